// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/threadcrypto.h"

#include <openssl/crypto.h>

namespace relayrace {

void releaseThreadCrypto()
{
    OPENSSL_thread_stop();
}

} // namespace relayrace
