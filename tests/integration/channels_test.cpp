// Channels and payment methods (contract section 6) from the generated stream through the real
// broker into kassa.ledger, the run's counts (kassa_payments_total) and the finance view.
#include <gtest/gtest.h>

#include <array>
#include <map>

#include "gen/generator.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

TEST(Channels, EveryPaymentKeepsItsChannelAndMethodAndTheyAreCounted) {
  Sandbox box("channels");
  gen::Options options;
  options.orders = 400;
  options.seed = 23;
  const auto generated = gen::generate(options);
  // What each payment event says, with the contract's defaults for what it leaves out.
  std::map<std::string, std::array<std::string, 4>> sent;
  for (const auto& m : generated.messages) {
    if (m.stream != gen::Stream::payments) continue;
    const auto j = nlohmann::json::parse(m.value, nullptr, false);
    if (!j.is_object() || !j.contains("event_id") || !j["event_id"].is_string()) continue;
    sent[j["event_id"].get<std::string>()] = {
        j.value("channel", "merchant_api"), j.value("payment_method", "card"),
        j.value("partner_id", ""), j.value("partner_operation_id", "")};
  }
  box.publish(generated.messages);
  const auto summary = box.run_until_caught_up();

  std::map<std::pair<std::string, std::string>, std::int64_t> stored;
  std::int64_t payments = 0;
  for (const auto& row : box.query(
           "SELECT event_id::text, channel, payment_method, coalesce(partner_id::text, ''), "
           "coalesce(partner_operation_id::text, '') FROM kassa.ledger WHERE kind = 'payment'")) {
    const auto it = sent.find(row[0].as<std::string>());
    ASSERT_NE(it, sent.end()) << row[0].c_str();
    EXPECT_EQ(row[1].as<std::string>(), it->second[0]) << row[0].c_str();
    EXPECT_EQ(row[2].as<std::string>(), it->second[1]) << row[0].c_str();
    EXPECT_EQ(row[3].as<std::string>(), it->second[2]) << row[0].c_str();
    EXPECT_EQ(row[4].as<std::string>(), it->second[3]) << row[0].c_str();
    ++stored[{row[1].as<std::string>(), row[2].as<std::string>()}];
    ++payments;
  }
  EXPECT_EQ(payments, generated.truth.at("ledger").at("payments").get<std::int64_t>());
  EXPECT_GE(stored.size(), 6u) << "the generator spreads payments over channels and methods";
  EXPECT_EQ(stored, summary.counts.payments_by_channel_method)
      << "kassa_payments_total counts what was stored";
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind <> 'payment' AND "
                       "(channel IS NOT NULL OR payment_method IS NOT NULL)"),
            0);
  // The finance view: per day, channel and method, the same payments and money.
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(payments), 0) FROM kassa.daily_payments_by_channel"),
            payments);
  EXPECT_EQ(
      box.scalar("SELECT coalesce(sum(paid_kopecks), 0) FROM kassa.daily_payments_by_channel"),
      generated.truth.at("ledger").at("payments_amount").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(payments), 0) FROM kassa.daily_payments_by_channel "
                       "WHERE payment_method = 'guarantee_fund' AND channel = 'business_api'"),
            (stored[std::pair<std::string, std::string>("business_api", "guarantee_fund")]));
}

}  // namespace
}  // namespace kassa::testing
