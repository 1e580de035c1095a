// kassa replay on the real broker and database: a backfill changes exactly what the live run
// missed, a dry run finds what differs from history, and a rebuild from zero reproduces the live
// run (state, receipts, packages with their numbers, the output topics).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "app/feed.hpp"
#include "app/metrics.hpp"
#include "app/replay.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

core::UtcTime from_ms(std::int64_t ms) {
  return core::UtcTime{ms * 1000};
}

gen::Output generate(std::uint64_t seed, int orders, double legal_share = 0.3) {
  gen::Options options;
  options.seed = seed;
  options.orders = orders;
  options.legal_share = legal_share;
  return gen::generate(options);
}

app::ReplaySummary replay(const app::Config& config, app::ReplayOptions options) {
  options.progress_every = std::chrono::seconds(0);
  app::Metrics metrics;
  std::atomic<bool> stop{false};
  return app::run_replay(config, options, metrics, stop);
}

app::ReplayOptions whole_history() {
  app::ReplayOptions options;
  options.from = core::UtcTime{0};
  return options;
}

// Everything kassa wrote that a replay must reproduce, one digest per table. The first five
// (orders, ledger, inbox, rejections, receipts) do not depend on the order of issue across
// orders; packages, document numbers and counters do. Row versions count batches, not events,
// so they are left out.
std::vector<std::string> digests(Sandbox& box, const app::Config& config) {
  const char* queries[] = {
      "SELECT coalesce(md5(string_agg(order_id || ':' || state::text || ':' || status, ',' "
      "ORDER BY order_id)), '') FROM kassa.orders",
      "SELECT coalesce(md5(string_agg(event_id || ':' || kind || ':' || amount || ':' || "
      "occurred_at, ',' ORDER BY event_id)), '') FROM kassa.ledger",
      "SELECT coalesce(md5(string_agg(event_id || ':' || status || ':' || fingerprint || ':' || "
      "source_topic || source_partition || ':' || source_offset, ',' ORDER BY event_id)), '') "
      "FROM kassa.inbox",
      "SELECT coalesce(md5(string_agg(source_topic || source_partition || ':' || source_offset || "
      "':' || error_code || ':' || md5(payload), ',' ORDER BY source_topic, source_partition, "
      "source_offset)), '') FROM kassa.rejections",
      "SELECT coalesce(md5(string_agg(receipt_id || ':' || kind || ':' || total || ':' || "
      "md5(body), ',' ORDER BY receipt_id)), '') FROM kassa.receipts",
      "SELECT coalesce(md5(string_agg(package_id || ':' || state || ':' || md5(body), ',' "
      "ORDER BY package_id)), '') FROM kassa.packages",
      "SELECT coalesce(md5(string_agg(package_id || ':' || document_type || ':' || number, ',' "
      "ORDER BY package_id, document_type)), '') FROM kassa.documents",
      "SELECT coalesce(md5(string_agg(merchant_id || document_type || year || ':' || "
      "last_number, ',' ORDER BY merchant_id, document_type, year)), '') FROM "
      "kassa.document_counters",
      "SELECT count(*) || ':' || count(DISTINCT message_id) FROM kassa.outbox",
  };
  std::vector<std::string> out;
  for (const char* q : queries) out.push_back(box.query(config, q)[0][0].as<std::string>());
  return out;
}

std::string digest(Sandbox& box, const app::Config& config) {
  std::string out;
  for (const auto& d : digests(box, config)) out += d + "|";
  return out;
}

std::vector<std::string> digests_without_numbers(Sandbox& box, const app::Config& config) {
  auto all = digests(box, config);
  all.resize(5);
  return all;
}

// A topic's messages as a sorted list of key + value (the order across partitions is Kafka's).
// Dead letters say when they were written (failed_at): that stamp is left out.
std::vector<std::string> topic_contents(Sandbox& box, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& m : box.read_topic(topic)) {
    std::string value = m.value;
    auto parsed = json::parse(value, nullptr, false);
    if (parsed.is_object() && parsed.contains("failed_at")) {
      parsed.erase("failed_at");
      value = parsed.dump();
    }
    out.push_back(m.key.value_or("<no key>") + "\n" + value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t published(Sandbox& box, const app::Config& config) {
  return box.read_topic(config.topic_receipts).size() +
         box.read_topic(config.topic_documents).size() + box.read_topic(config.topic_dlq).size();
}

std::string stored_offsets(Sandbox& box) {
  return box
      .query(
          "SELECT coalesce(string_agg(topic || partition || ':' || next_offset, ',' "
          "ORDER BY topic, partition), '') FROM kassa.consumer_offsets")[0][0]
      .as<std::string>();
}

TEST(Replay, AWindowTheLiveRunAppliedChangesNothingAndPublishesNothing) {
  Sandbox box("replay_overlap");
  box.publish(generate(11, 150).messages);
  box.run_until_caught_up();
  const std::string before = digest(box, box.config);
  const std::string offsets = stored_offsets(box);
  const std::size_t messages = published(box, box.config);
  ASSERT_GT(box.scalar("SELECT count(*) FROM kassa.packages"), 0);

  const auto summary = replay(box.config, whole_history());

  EXPECT_TRUE(summary.completed);
  EXPECT_GT(summary.counts.messages, 0);
  EXPECT_EQ(summary.counts.applied, 0);
  EXPECT_EQ(summary.counts.parked, 0);
  EXPECT_TRUE(summary.counts.receipts_by_kind.empty());
  EXPECT_TRUE(summary.counts.packages_by_kind.empty());
  EXPECT_EQ(digest(box, box.config), before);
  EXPECT_EQ(stored_offsets(box), offsets);  // the live group's offsets stay where they were
  EXPECT_EQ(published(box, box.config), messages);
}

TEST(Replay, AWindowTheLiveGroupSkippedAppliesExactlyThoseEvents) {
  Sandbox box("replay_skipped");
  const auto first = generate(21, 80), second = generate(22, 60), third = generate(23, 80);
  box.publish(first.messages);
  box.run_until_caught_up();

  // The second part goes to Kafka, and the live group's offsets are moved past it, as an
  // operator's mistake or a lost database restore would.
  const std::int64_t window_from = now_ms();
  box.publish(second.messages);
  const std::int64_t window_to = now_ms() + 1;
  for (const auto& topic : box.config.input_topics()) {
    std::map<std::int32_t, std::int64_t> next;
    for (const auto& m : box.read_topic(topic))
      next[m.partition] = std::max(next[m.partition], m.offset + 1);
    for (const auto& [partition, offset] : next)
      box.execute(
          "INSERT INTO kassa.consumer_offsets (group_id, topic, partition, next_offset) "
          "VALUES ('" +
          box.config.group_id + "', '" + topic + "', " + std::to_string(partition) + ", " +
          std::to_string(offset) +
          ") ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = " +
          "EXCLUDED.next_offset");
  }
  while (now_ms() <= window_to) {
  }  // the third part is stamped after the window
  box.publish(third.messages);
  const auto live = box.run_until_caught_up();
  EXPECT_EQ(live.counts.messages,
            static_cast<std::int64_t>(gen::count_order_messages(third.messages)));
  const std::string offsets = stored_offsets(box);

  app::ReplayOptions options;
  options.from = from_ms(window_from);
  options.to = from_ms(window_to);
  const auto summary = replay(box.config, options);

  // Exactly the second part, applied now, and the same as a database that never missed it.
  EXPECT_EQ(summary.counts.messages,
            static_cast<std::int64_t>(gen::count_order_messages(second.messages)));
  EXPECT_EQ(summary.counts.applied, second.truth.at("stream").at("events_applied").get<int>());
  // Package numbers follow the order of issue, which the skip changed; the rest must agree.
  const app::Config reference = box.another_database("reference");
  box.run_until_caught_up(reference);
  EXPECT_EQ(digests_without_numbers(box, box.config), digests_without_numbers(box, reference));
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.packages"),
            box.scalar(reference, "SELECT count(*) FROM kassa.packages"));
  EXPECT_EQ(stored_offsets(box), offsets);

  // Each receipt and package message is on its topic once.
  std::set<std::string> receipt_ids;
  for (const auto& m : box.read_topic(box.config.topic_receipts))
    EXPECT_TRUE(receipt_ids.insert(json::parse(m.value).at("receipt_id")).second);
  EXPECT_EQ(static_cast<std::int64_t>(receipt_ids.size()),
            box.scalar("SELECT count(*) FROM kassa.receipts"));
  EXPECT_EQ(static_cast<std::int64_t>(box.read_topic(box.config.topic_documents).size()),
            box.scalar("SELECT count(*) FROM kassa.packages"));
}

TEST(Replay, DryRunFindsNothingInAnIntactDatabaseAndTheOneAlteredReceipt) {
  Sandbox box("replay_dry");
  box.publish(generate(31, 120).messages);
  box.run_until_caught_up();
  const std::string before = digest(box, box.config);

  auto options = whole_history();
  options.dry_run = true;
  const auto intact = replay(box.config, options);
  EXPECT_TRUE(intact.completed);
  EXPECT_EQ(intact.counts.applied, 0);
  EXPECT_GT(intact.receipts_checked, 0);
  EXPECT_GT(intact.packages_checked, 0);
  EXPECT_EQ(intact.difference_count, 0)
      << (intact.differences.empty() ? std::string() : intact.differences.front().detail);

  const std::string altered =
      box.query("SELECT receipt_id::text FROM kassa.receipts ORDER BY receipt_id LIMIT 1")[0][0]
          .as<std::string>();
  box.execute(
      "UPDATE kassa.receipts SET body = replace(body, '\"quantity\"', '\"quantity\" ') "
      "WHERE receipt_id = '" +
      altered + "'");
  const std::string altered_digest = digest(box, box.config);
  const auto found = replay(box.config, options);
  ASSERT_EQ(found.difference_count, 1);
  EXPECT_EQ(found.differences.at(0).kind, "receipt");
  EXPECT_EQ(found.differences.at(0).id, altered);
  EXPECT_EQ(digest(box, box.config), altered_digest);  // a dry run writes nothing
  EXPECT_NE(altered_digest, before);

  // The command says so with exit status 3.
  Process command({kassa_binary(), "replay", "--dry-run", "--from", "1970-01-01T00:00:00Z"},
                  Sandbox::environment(box.config));
  EXPECT_EQ(command.wait(), 3);
}

TEST(Replay, RebuildFromZeroReproducesTheLiveRunAcrossThe2026Boundary) {
  // One partition: the order of issue across orders, and so the document numbers, is then a
  // function of the log alone.
  Sandbox box("replay_rebuild", 1);
  const auto stream = generate(41, 200);
  box.publish(stream.messages);
  box.run_until_caught_up();
  // The stream crosses 1 January 2026 (Moscow): prepayments of 2025 are 20/120, of 2026 22/122.
  EXPECT_GT(box.scalar("SELECT count(*) FROM kassa.receipts WHERE kind = 'prepayment' AND "
                       "issued_at < '2026-01-01T00:00:00+03:00'"),
            0);
  EXPECT_GT(box.scalar("SELECT count(*) FROM kassa.receipts WHERE issued_at >= "
                       "'2026-01-01T00:00:00+03:00'"),
            0);

  const app::Config rebuilt = box.another_database("rebuilt");
  const auto summary = replay(rebuilt, whole_history());
  EXPECT_TRUE(summary.completed);

  EXPECT_EQ(digest(box, rebuilt), digest(box, box.config));
  EXPECT_EQ(box.scalar(rebuilt,
                       "SELECT count(*) FROM kassa.receipts WHERE issued_at < "
                       "'2026-01-01T00:00:00+03:00' AND (body LIKE '%vat22%' OR "
                       "body LIKE '%vat122%')"),
            0);
  // ...and the 2025 prepayments at 20% keep the calculated 20/120 rate.
  EXPECT_GT(box.scalar(rebuilt,
                       "SELECT count(*) FROM kassa.receipts WHERE kind = 'prepayment' "
                       "AND issued_at < '2026-01-01T00:00:00+03:00' AND body LIKE "
                       "'%\"vat120\"%'"),
            0);
  EXPECT_EQ(topic_contents(box, rebuilt.topic_receipts),
            topic_contents(box, box.config.topic_receipts));
  EXPECT_EQ(topic_contents(box, rebuilt.topic_documents),
            topic_contents(box, box.config.topic_documents));
  EXPECT_EQ(topic_contents(box, rebuilt.topic_dlq), topic_contents(box, box.config.topic_dlq));
}

TEST(Replay, AnArchiveFileReplaysLikeKafka) {
  Sandbox box("replay_file", 1);
  const auto stream = generate(51, 60);
  box.publish(stream.messages);
  box.run_until_caught_up();

  // The archive, as `kassa gen --events` writes it: delivery order, no partitions or offsets
  // (each line then stands at partition 0, its line number).
  const std::string path = ::testing::TempDir() + "/kassa-replay-" + box.database() + ".ndjson";
  {
    std::ofstream out(path);
    out << "{\"topic\": \"some.other.topic\", \"key\": null, \"value\": \"{}\"}\n";
    for (const auto& m : stream.messages) {
      // An archive of the order topics; the merchants table is read from Kafka either way.
      if (m.stream == gen::Stream::merchants || m.stream == gen::Stream::payouts) continue;
      out << json{{"topic", app::topic_for(box.config, m.stream)},
                  {"key", m.key},
                  {"value", m.value}}
                 .dump()
          << "\n";
    }
  }
  const app::Config rebuilt = box.another_database("from_file");
  app::ReplayOptions options;
  options.file = path;
  const auto summary = replay(rebuilt, options);
  EXPECT_TRUE(summary.completed);
  EXPECT_EQ(summary.skipped_lines, 1);
  EXPECT_EQ(summary.counts.messages,
            static_cast<std::int64_t>(gen::count_order_messages(stream.messages)));
  // Same events in the same order: the same ledger, orders and receipts (the inbox and the
  // rejections name the messages' places, which differ: Kafka offsets against line numbers).
  const auto from_file = digests(box, rebuilt), from_kafka = digests(box, box.config);
  EXPECT_EQ(from_file[0], from_kafka[0]);
  EXPECT_EQ(from_file[1], from_kafka[1]);
  EXPECT_EQ(from_file[4], from_kafka[4]);
  EXPECT_EQ(box.scalar(rebuilt, "SELECT count(*) FROM kassa.rejections"),
            box.scalar("SELECT count(*) FROM kassa.rejections"));

  // Replayed again, it changes nothing.
  const std::string after = digest(box, rebuilt);
  EXPECT_EQ(replay(rebuilt, options).counts.applied, 0);
  EXPECT_EQ(digest(box, rebuilt), after);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace kassa::testing
