// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

namespace relayrace {

// Frees the calling thread's OpenSSL state now, from the thread itself. QThread::wait() returns
// before the thread's thread-local destructors have run, so at process exit OPENSSL_cleanup() (an
// atexit handler) and a lab thread still running those destructors freed the same state twice
// (ASan in the race tests). Called last on the threads we own (LabHost, EngineHost).
void releaseThreadCrypto();

} // namespace relayrace
