// Failover on the real broker: when one of two workers dies without a goodbye (SIGKILL, as a lost
// node or an OOM kill), the other takes over its partitions and applies what arrives there within
// 15 seconds, with the consumer settings kassa ships (session timeout, static membership from the
// pod's name, range assignment; README "Consumer group settings").
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "harness.hpp"
#include "http_worker.hpp"

namespace kassa::testing {
namespace {

std::int64_t payments_applied(Sandbox& box) {
  return box.scalar("SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'payment'");
}

TEST(Failover, ASurvivorAppliesAKilledWorkersPartitionsWithinFifteenSeconds) {
  Sandbox box("failover", 6);
  // Each with its own static identity, as the chart gives every pod its name.
  Worker doomed(box.config, {{"KASSA_KAFKA_GROUP_INSTANCE_ID", "worker-a"}});
  Worker survivor(box.config, {{"KASSA_KAFKA_GROUP_INSTANCE_ID", "worker-b"}});
  const auto assigned = [](const Worker& worker) {
    return metric(worker.get("/metrics").second, "kassa_assigned_partitions");
  };
  // Both members hold partitions: 3 topics x 6 partitions between them.
  ASSERT_TRUE(survivor.eventually("/metrics", std::chrono::seconds(60), [&](int, auto&) {
    const double a = assigned(doomed), b = assigned(survivor);
    return a > 0 && b > 0 && a + b == 18;
  })) << "the group never settled with both workers";

  gen::Options first;
  first.orders = 300;
  first.seed = 31;
  const auto before = gen::generate(first);
  box.publish(before.messages);
  const auto paid_before = before.truth.at("ledger").at("payments_amount").get<std::int64_t>();
  ASSERT_TRUE(survivor.eventually("/metrics", std::chrono::seconds(60), [&](int, auto&) {
    return payments_applied(box) == paid_before;
  })) << "the two workers did not apply the first stream";
  ASSERT_EQ(assigned(doomed) + assigned(survivor), 18) << "no rebalance before the kill";

  // The kill, then a stream on every partition, the dead worker's included.
  const double orphaned = assigned(doomed);
  doomed.kill_hard();
  const auto killed_at = Clock::now();
  gen::Options second;
  second.orders = 300;
  second.seed = 32;
  const auto after = gen::generate(second);
  box.publish(after.messages);
  const auto paid_total =
      paid_before + after.truth.at("ledger").at("payments_amount").get<std::int64_t>();
  ASSERT_TRUE(survivor.eventually("/metrics", std::chrono::seconds(90),
                                  [&](int, auto&) {
                                    return payments_applied(box) ==
                                           paid_total;  // more would be something applied twice
                                  }))
      << "the survivor never applied the dead worker's partitions: " << payments_applied(box)
      << " of " << paid_total;
  const double seconds = std::chrono::duration<double>(Clock::now() - killed_at).count();
  std::printf(
      "failover: %.0f partitions of the killed worker applied by the other %.1f s after "
      "the kill\n",
      orphaned, seconds);
  RecordProperty("failover_seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 15.0);
  EXPECT_EQ(assigned(survivor), 18);
}

}  // namespace
}  // namespace kassa::testing
