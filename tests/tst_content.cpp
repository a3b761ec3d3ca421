// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/content.h"

#include <QElapsedTimer>
#include <QTest>

using namespace relayrace::lab;

class TstContent final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rangeEqualsSliceOfWholeBody_data();
    void rangeEqualsSliceOfWholeBody();
    void rangeIsClampedToObjectSize();
    void differentPathsSizesAndGenerationsDiffer();
    void bodyIsStableAcrossRuns();
    void sha256MatchesHashOfWholeBody();
    void strongEtagIsQuotedAndTracksGeneration();
    void generatesAtLeastOneGibPerSecond();
};

void TstContent::rangeEqualsSliceOfWholeBody_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");
    QTest::addRow("aligned") << qint64(64) << qint64(128);
    QTest::addRow("unaligned start") << qint64(3) << qint64(100);
    QTest::addRow("unaligned end") << qint64(16) << qint64(13);
    QTest::addRow("inside one block") << qint64(9) << qint64(5);
    QTest::addRow("single byte") << qint64(4095) << qint64(1);
    QTest::addRow("to the end") << qint64(1001) << qint64(4096 - 1001);
    QTest::addRow("empty") << qint64(77) << qint64(0);
}

void TstContent::rangeEqualsSliceOfWholeBody()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    const QByteArray whole = contentBody("/obj/a", 4096);
    QCOMPARE(whole.size(), 4096);
    QCOMPARE(contentRange("/obj/a", 4096, offset, length), whole.mid(offset, length));
}

void TstContent::rangeIsClampedToObjectSize()
{
    QCOMPARE(contentRange("/obj/a", 100, 90, 50).size(), 10);
    QCOMPARE(contentRange("/obj/a", 100, 200, 50).size(), 0);
    QCOMPARE(contentRange("/obj/a", 100, 90, 50), contentBody("/obj/a", 100).mid(90));
}

void TstContent::differentPathsSizesAndGenerationsDiffer()
{
    const QByteArray a = contentBody("/obj/a", 1024);
    QVERIFY(a != contentBody("/obj/b", 1024));
    QVERIFY(a != contentBody("/obj/a", 1025).left(1024));
    QVERIFY(a != contentBody("/obj/a", 1024, 1));
    QCOMPARE(contentBody("/obj/a", 1024), a);
}

void TstContent::bodyIsStableAcrossRuns()
{
    // Pinned once: a change here breaks every recorded checksum and remote client's expectations.
    QCOMPARE(contentRange("/obj/golden", 1000, 0, 8).toHex(), QByteArray("ee90b5a88e43df9e"));
    QCOMPARE(contentSha256("/obj/golden", 1000),
             QByteArray("1eec9e570045c92ceeb29f108c5ac921c19503d9b86d4d93451891972d322198"));
}

void TstContent::sha256MatchesHashOfWholeBody()
{
    // Larger than the 1 MiB chunk contentSha256 works in, and not a multiple of it.
    const qint64 size = 3 * 1024 * 1024 + 17;
    QCOMPARE(contentSha256("/obj/big", size), sha256Hex(contentBody("/obj/big", size)));
    QCOMPARE(contentSha256("/obj/empty", 0),
             QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

void TstContent::strongEtagIsQuotedAndTracksGeneration()
{
    const QByteArray tag = strongEtag("/obj/a", 10);
    QVERIFY(tag.startsWith('"') && tag.endsWith('"') && tag.size() > 10);
    QVERIFY(!tag.startsWith("W/"));
    QCOMPARE(strongEtag("/obj/a", 10), tag);
    QVERIFY(strongEtag("/obj/a", 10, 1) != tag);
    QVERIFY(strongEtag("/obj/a", 11) != tag);
    QVERIFY(strongEtag("/obj/b", 10) != tag);
}

void TstContent::generatesAtLeastOneGibPerSecond()
{
    constexpr qint64 kChunk = 1 << 20;
    constexpr qint64 kTotal = 512LL << 20;
    QByteArray buffer(kChunk, Qt::Uninitialized);
    const quint64 seed = contentSeed("/obj/speed", kTotal);
    QElapsedTimer timer;
    timer.start();
    for (qint64 offset = 0; offset < kTotal; offset += kChunk)
        fillContent(seed, offset, buffer.data(), kChunk);
    const double seconds = std::max<double>(1e-9, double(timer.nsecsElapsed()) / 1e9);
    const double gibPerSecond = double(kTotal) / double(1LL << 30) / seconds;
    qInfo("content generation: %.2f GiB/s", gibPerSecond);
    QVERIFY(buffer != QByteArray(kChunk, '\0'));
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
    QVERIFY2(gibPerSecond >= 1.0, qPrintable(QStringLiteral("%1 GiB/s").arg(gibPerSecond)));
#endif
}

QTEST_GUILESS_MAIN(TstContent)
#include "tst_content.moc"
