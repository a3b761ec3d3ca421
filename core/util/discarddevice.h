// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QIODevice>

namespace relayrace {

// A write-only device that counts and drops what it is given: the consumer of traffic nobody reads
// (the demo's simulated users, benchmarks).
class DiscardDevice final : public QIODevice
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiscardDevice)
public:
    explicit DiscardDevice(QObject *parent = nullptr) : QIODevice(parent) { open(QIODevice::WriteOnly); }
    qint64 written() const { return m_written; }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *, qint64 size) override
    {
        m_written += size;
        return size;
    }

private:
    qint64 m_written = 0;
};

} // namespace relayrace
