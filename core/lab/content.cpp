// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "content.h"

#include <QtEndian>

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace relayrace::lab {
namespace {

constexpr quint64 kGolden = 0x9e3779b97f4a7c15ULL;

// splitmix64's output function: a bijective mix, so distinct counters never collide.
inline quint64 mix(quint64 z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

inline quint64 block(quint64 seed, quint64 index)
{
    return mix(seed + (index + 1) * kGolden);
}

// FNV-1a: the path only seeds the stream, it needs no cryptographic strength.
quint64 hashPath(const QByteArray &path)
{
    quint64 hash = 0xcbf29ce484222325ULL;
    for (const char c : path) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

MdCtx newSha256()
{
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        qFatal("relayrace::lab: OpenSSL cannot initialise SHA-256");
    return ctx;
}

QByteArray finishHex(EVP_MD_CTX *ctx)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx, digest, &length);
    return QByteArray(reinterpret_cast<const char *>(digest), static_cast<qsizetype>(length)).toHex();
}

} // namespace

quint64 contentSeed(const QByteArray &path, qint64 size, int generation)
{
    return mix(hashPath(path) ^ mix(static_cast<quint64>(size) + kGolden)
               ^ mix(static_cast<quint64>(static_cast<qint64>(generation)) * 3 + 1));
}

void fillContent(quint64 seed, qint64 offset, char *out, qint64 length)
{
    if (length <= 0 || offset < 0)
        return;
    auto index = static_cast<quint64>(offset) / 8;
    const auto skip = static_cast<qint64>(static_cast<quint64>(offset) % 8);
    char scratch[8];
    if (skip != 0) {
        qToLittleEndian(block(seed, index++), scratch);
        const qint64 n = std::min<qint64>(8 - skip, length);
        std::memcpy(out, scratch + skip, static_cast<size_t>(n));
        out += n;
        length -= n;
    }
    // The hot loop is written out by hand so that unoptimised (Debug) builds still stream at about
    // 1 GiB/s: the origin serves from this loop in the test builds too.
    quint64 counter = seed + (index + 1) * kGolden;
    for (; length >= 8; length -= 8, out += 8, ++index, counter += kGolden) {
        quint64 z = counter;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
#if Q_BYTE_ORDER == Q_BIG_ENDIAN
        z = qbswap(z);
#endif
        std::memcpy(out, &z, 8);
    }
    if (length > 0) {
        qToLittleEndian(block(seed, index), scratch);
        std::memcpy(out, scratch, static_cast<size_t>(length));
    }
}

QByteArray contentRange(const QByteArray &path, qint64 size, qint64 offset, qint64 length,
                        int generation)
{
    offset = std::clamp<qint64>(offset, 0, std::max<qint64>(size, 0));
    length = std::clamp<qint64>(length, 0, std::max<qint64>(size, 0) - offset);
    QByteArray out(static_cast<qsizetype>(length), Qt::Uninitialized);
    fillContent(contentSeed(path, size, generation), offset, out.data(), length);
    return out;
}

QByteArray contentBody(const QByteArray &path, qint64 size, int generation)
{
    return contentRange(path, size, 0, size, generation);
}

QByteArray contentSha256(const QByteArray &path, qint64 size, int generation)
{
    constexpr qint64 kChunk = 1 << 20;
    const quint64 seed = contentSeed(path, size, generation);
    const MdCtx ctx = newSha256();
    QByteArray chunk(kChunk, Qt::Uninitialized);
    for (qint64 offset = 0; offset < size; offset += kChunk) {
        const qint64 n = std::min(kChunk, size - offset);
        fillContent(seed, offset, chunk.data(), n);
        EVP_DigestUpdate(ctx.get(), chunk.constData(), static_cast<size_t>(n));
    }
    return finishHex(ctx.get());
}

QByteArray sha256Hex(const QByteArray &data)
{
    const MdCtx ctx = newSha256();
    EVP_DigestUpdate(ctx.get(), data.constData(), static_cast<size_t>(data.size()));
    return finishHex(ctx.get());
}

QByteArray strongEtag(const QByteArray &path, qint64 size, int generation)
{
    const QByteArray key = path + '\n' + QByteArray::number(size) + '\n'
                           + QByteArray::number(generation);
    return '"' + sha256Hex(key).left(24) + '"';
}

} // namespace relayrace::lab
