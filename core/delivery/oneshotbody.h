// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QIODevice>

namespace relayrace::delivery {

// A request body Qt can read once and never rewind. Qt 6.4 sends a request again by itself when its
// connection drops before the response head (up to twice, POST included); it can only do that by
// rewinding the body. Sent from this device with QNetworkRequest::DoNotBufferUploadDataAttribute, a
// non-idempotent request fails with QNetworkReply::ContentReSendError instead of reaching the origin
// a second time.
class OneShotBody final : public QIODevice
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OneShotBody)
public:
    explicit OneShotBody(QByteArray data, QObject *parent = nullptr);
    ~OneShotBody() override;

    bool isSequential() const override { return true; }
    bool reset() override { return false; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    QByteArray m_data;
    qint64 m_position = 0;
};

} // namespace relayrace::delivery
