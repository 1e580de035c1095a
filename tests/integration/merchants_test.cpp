// The merchants table (contract section 6) on the real broker and database: receipts take the
// merchant's requisites in force when their event occurred, a replay reproduces them byte for
// byte, and an order event of a merchant nobody has announced yet waits for it.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "app/reconcile.hpp"
#include "app/replay.hpp"
#include "harness.hpp"
#include "store/document_store.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

const std::string kShop = "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d";
const std::string kOrderA = "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b";
const std::string kOrderB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

json merchant_event(const std::string& event_id, const char* type, const char* when,
                    const char* name, const char* phone) {
  return {{"event_id", event_id},
          {"event_type", type},
          {"schema_version", 1},
          {"occurred_at", when},
          {"merchant_id", kShop},
          {"name", name},
          {"inn", "7707083893"},
          {"kpp", "773601001"},
          {"phones", {phone}},
          {"email", "shop@example.ru"},
          {"site_url", "https://chainiki.example.ru"}};
}

// A kettle and its delivery, paid by a private buyer.
json payment(const std::string& order_id, const std::string& event_id, const char* when) {
  json out = json::parse(R"({
    "event_type": "payment.succeeded", "schema_version": 1,
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d", "payment_id": "pay-1",
    "merchant_order_id": "SHOP-1001", "amount": 634997, "currency": "RUB",
    "customer": {"type": "private", "name": "Иван Петров", "email": "ivan@example.ru"},
    "items": [
      {"sku": "A", "name": "Электрочайник", "quantity": "3", "measure": "шт",
       "measure_code": "796", "price": 199999, "total_amount": 599997,
       "vat_code": "RUS_VAT22_ADDED", "type": "commodity"},
      {"sku": "B", "name": "Курьерская доставка", "quantity": "1", "measure": "усл",
       "measure_code": "796", "price": 35000, "total_amount": 35000, "vat_code": "VATNONE",
       "type": "service"}]})");
  out["event_id"] = event_id;
  out["order_id"] = order_id;
  out["occurred_at"] = when;
  return out;
}

std::string supplier_of_receipt(Sandbox& box, const app::Config& config,
                                const std::string& order_id) {
  const auto rows = box.query(
      config, "SELECT body FROM kassa.receipts WHERE order_id = '" + order_id + "'::uuid");
  if (rows.size() != 1) return "receipts: " + std::to_string(rows.size());
  const json body = json::parse(rows[0][0].as<std::string>());
  const auto& info = body["atol"]["receipt"]["items"][0]["supplier_info"];
  return info["name"].get<std::string>() + " " + info["phones"][0].get<std::string>();
}

std::map<std::string, std::string> receipt_bodies(Sandbox& box, const app::Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& row : box.query(config, "SELECT receipt_id::text, body FROM kassa.receipts"))
    out[row[0].as<std::string>()] = row[1].as<std::string>();
  return out;
}

TEST(Merchants, AnUpdateBetweenTwoPaymentsChangesOnlyTheLaterReceiptAndAReplayGivesTheSameBytes) {
  Sandbox box("merchant_versions");
  box.config.unknown_merchant = app::Config::UnknownMerchant::wait;
  // Published in business order, as the contract asks of producers.
  box.publish_raw(box.config.topic_merchants, kShop,
                  merchant_event("66666666-6666-4666-8666-666666666601", "merchant.activated",
                                 "2026-02-01T08:00:00Z", "ООО «Чайники»", "+74951111111")
                      .dump());
  box.publish_raw(
      box.config.topic_payments, kOrderA,
      payment(kOrderA, "11111111-1111-4111-8111-111111111101", "2026-02-10T09:00:00Z").dump());
  box.publish_raw(box.config.topic_merchants, kShop,
                  merchant_event("66666666-6666-4666-8666-666666666602", "merchant.updated",
                                 "2026-02-12T08:00:00Z", "ООО «Чайники и Ко»", "+74952222222")
                      .dump());
  box.publish_raw(
      box.config.topic_payments, kOrderB,
      payment(kOrderB, "11111111-1111-4111-8111-111111111102", "2026-02-14T09:00:00Z").dump());
  const auto summary = box.run_until_caught_up();
  ASSERT_TRUE(summary.caught_up);

  EXPECT_EQ(supplier_of_receipt(box, box.config, kOrderA), "ООО «Чайники» +74951111111");
  EXPECT_EQ(supplier_of_receipt(box, box.config, kOrderB), "ООО «Чайники и Ко» +74952222222");
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.merchant_versions"), 2);
  EXPECT_EQ(summary.counts.receipts_default_supplier, 0);

  // A second run reads the table again: nothing new is written.
  box.run_until_caught_up();
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.merchant_versions"), 2);

  // A replay of the whole history into an empty database: the same bytes.
  app::Config other = box.another_database("merchant_versions_replayed");
  app::ReplayOptions options;
  options.from = core::UtcTime{0};
  options.progress_every = std::chrono::seconds(0);
  app::Metrics metrics;
  std::atomic<bool> stop{false};
  const auto replayed = app::run_replay(other, options, metrics, stop);
  ASSERT_TRUE(replayed.completed);
  const auto live = receipt_bodies(box, box.config);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(receipt_bodies(box, other), live);

  const std::string shown = kassa_output(box.config, "merchants show " + kShop, {});
  EXPECT_NE(shown.find("2 version(s)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("from 2026-02-12T08:00:00.000000Z  merchant.updated"), std::string::npos)
      << shown;
  EXPECT_NE(shown.find("ООО «Чайники и Ко»"), std::string::npos) << shown;
}

TEST(Merchants, AnOrderEventOfAMerchantNotYetActivatedWaitsAndAppliesWhenItArrives) {
  Sandbox box("merchant_waiting");
  box.config.unknown_merchant = app::Config::UnknownMerchant::wait;
  box.publish_raw(
      box.config.topic_payments, kOrderA,
      payment(kOrderA, "11111111-1111-4111-8111-111111111103", "2026-02-10T09:00:00Z").dump());
  // A merchant event the contract refuses (wrong INN check digits) goes to the dead letters and
  // does not stand in for the merchant.
  json bad = merchant_event("66666666-6666-4666-8666-666666666603", "merchant.activated",
                            "2026-02-10T10:00:00Z", "ООО «Чайники»", "+74951111111");
  bad["inn"] = "7707083894";
  box.publish_raw(box.config.topic_merchants, kShop, bad.dump());
  ASSERT_TRUE(box.run_until_caught_up().caught_up);

  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.receipts"), 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger"), 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.orders WHERE waiting_merchant_id = '" + kShop +
                       "'::uuid AND parked_count = 1"),
            1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.inbox WHERE status = 'parked'"), 1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections WHERE error_code = 'invalid_inn'"),
            1);
  const auto dead = box.read_topic(box.config.topic_dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(json::parse(dead[0].value)["error_code"], "invalid_inn");
  const std::string waiting = kassa_output(box.config, "merchants show " + kShop, {});
  EXPECT_NE(waiting.find("no versions; 1 order(s) wait for it"), std::string::npos) << waiting;
  // Waiting longer than KASSA_ORPHAN_GRACE (24 h) after the payment is reconciled as
  // unknown_merchant, and as orphan_event too; a day minus a minute after it, not yet.
  auto kinds_as_of = [&](const char* as_of) {
    app::ReconOptions options;
    options.as_of = core::parse_utc(as_of).value();
    options.dry_run = true;
    std::map<std::string, std::int64_t> out;
    for (const auto& [kind, totals] : app::reconcile(box.config, options).by_kind)
      out[kind] = totals.first;
    return out;
  };
  const auto late = kinds_as_of("2026-02-11T09:00:01Z");
  EXPECT_EQ(late.count("unknown_merchant") ? late.at("unknown_merchant") : 0, 1);
  EXPECT_EQ(late.count("orphan_event") ? late.at("orphan_event") : 0, 1);
  EXPECT_EQ(kinds_as_of("2026-02-11T08:59:00Z").count("unknown_merchant"), 0u);

  // The merchant arrives, activated after the payment: the payment applies with its requisites.
  box.publish_raw(box.config.topic_merchants, kShop,
                  merchant_event("66666666-6666-4666-8666-666666666604", "merchant.activated",
                                 "2026-02-11T08:00:00Z", "ООО «Чайники»", "+74951111111")
                      .dump());
  const auto released = box.run_until_caught_up();
  ASSERT_TRUE(released.caught_up);
  EXPECT_EQ(released.counts.released, 1);
  EXPECT_EQ(supplier_of_receipt(box, box.config, kOrderA), "ООО «Чайники» +74951111111");
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.orders WHERE waiting_merchant_id IS NOT NULL"),
            0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.inbox WHERE status = 'applied'"), 1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'payment'"), 1);
  EXPECT_EQ(box.read_topic(box.config.topic_receipts).size(), 1u);
}

TEST(Merchants, ADocumentNamesTheEdoIdOfTheVersionInForceAtItsDate) {
  Sandbox box("merchant_edo");
  // Typed in by hand with one id, then announced on the topic without one, then with another.
  box.execute(
      "INSERT INTO kassa.merchants (merchant_id, supplier_inn, supplier_name, "
      "edo_participant_id) VALUES ('" +
      kShop + "', '7707083893', 'ООО «Чайники»', '2BM-HAND')");
  box.execute(
      "INSERT INTO kassa.merchant_versions (merchant_id, occurred_at, event_id, event_type, name, "
      "inn, phones, email, site_url, edo_participant_id, source_partition, source_offset) VALUES "
      "('" +
      kShop +
      "', '2026-02-01T00:00:00Z', '66666666-6666-4666-8666-666666666611', "
      "'merchant.activated', 'ООО «Чайники»', '7707083893', '{+74951111111}', 's@example.ru', "
      "'https://a.example.ru', NULL, 0, 0), "
      "('" +
      kShop +
      "', '2026-03-01T00:00:00Z', '66666666-6666-4666-8666-666666666612', "
      "'merchant.updated', 'ООО «Чайники»', '7707083893', '{+74951111111}', 's@example.ru', "
      "'https://a.example.ru', '2BM-MARCH', 0, 1)");
  pqxx::connection connection(box.config.pg_dsn);
  pqxx::read_transaction tx(connection);
  auto edo_at = [&](const char* at) {
    return store::merchant_edo_id(tx, kShop, core::parse_utc(at).value());
  };
  EXPECT_EQ(edo_at("2026-01-15T00:00:00Z"), "2BM-HAND");
  EXPECT_EQ(edo_at("2026-02-15T00:00:00Z"), "");
  EXPECT_EQ(edo_at("2026-03-01T00:00:00Z"), "2BM-MARCH");
  EXPECT_EQ(
      store::merchant_edo_id(tx, "not-a-uuid", core::parse_utc("2026-03-01T00:00:00Z").value()),
      "");
}

}  // namespace
}  // namespace kassa::testing
