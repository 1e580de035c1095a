// The requisites a cash register checks (issue: ATOL v5 bodies complete for a paying agent):
// `kassa run` refuses to start with placeholder or invalid seller data, and with real data every
// receipt item carries the paying agent's details and the supplier's phones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../unit/test_messages.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

int run_worker_process(const app::Config& config, const std::map<std::string, std::string>& extra) {
  Process worker({kassa_binary(), "run", "--until-caught-up"}, Sandbox::environment(config, extra));
  return worker.wait();
}

TEST(Requisites, RunRefusesPlaceholdersUnlessDemoDataIsAllowed) {
  Sandbox box("requisites");
  // The built-in defaults are placeholders: INN 0000000000 and no agent phones.
  const std::map<std::string, std::string> placeholders = {
      {"KASSA_SELLER_INN", "0000000000"},
      {"KASSA_DEFAULT_SUPPLIER_INN", "0000000000"},
      {"KASSA_PAYING_AGENT_PHONES", ""},
      {"KASSA_PAYMENTS_OPERATOR_PHONES", ""},
      {"KASSA_DEFAULT_SUPPLIER_PHONE", ""},
      {"KASSA_SIGNER_SURNAME", ""},
      {"KASSA_SIGNER_NAME", ""},
      {"KASSA_SIGNER_PATRONYMIC", ""},
      {"KASSA_SIGNER_POSITION", ""},
      {"KASSA_SIGNER_AUTHORITY_METHOD", ""},
      {"KASSA_SIGNER_POA_NUMBER", ""},
      {"KASSA_SIGNER_POA_DATE", ""},
      {"KASSA_SIGNER_POA_SYSTEM", ""}};
  EXPECT_EQ(run_worker_process(box.config, placeholders), 2);
  auto allowed = placeholders;
  allowed["KASSA_ALLOW_DEMO_DATA"] = "true";
  EXPECT_EQ(run_worker_process(box.config, allowed), 0);
  // An INN with a wrong check digit is refused by every command, demo or not.
  EXPECT_EQ(run_worker_process(box.config, {{"KASSA_SELLER_INN", "7725416907"},
                                            {"KASSA_ALLOW_DEMO_DATA", "true"}}),
            2);
  // One missing phone is enough to refuse.
  EXPECT_EQ(run_worker_process(box.config, {{"KASSA_PAYMENTS_OPERATOR_PHONES", ""}}), 2);
  // The requisites of config/local.env are real-looking: accepted.
  EXPECT_EQ(run_worker_process(box.config, {}), 0);
}

TEST(Requisites, PlaceholderListNamesEachProblem) {
  app::Config config;  // the built-in defaults
  const auto problems = app::placeholder_requisites(config);
  auto names = [&](const std::string& key) {
    for (const auto& p : problems)
      if (p.find(key) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(names("KASSA_SELLER_INN"));
  EXPECT_TRUE(names("KASSA_DEFAULT_SUPPLIER_INN"));
  EXPECT_TRUE(names("KASSA_PAYING_AGENT_PHONES"));
  EXPECT_TRUE(names("KASSA_PAYMENTS_OPERATOR_PHONES"));
  EXPECT_TRUE(names("KASSA_DEFAULT_SUPPLIER_PHONE"));
  EXPECT_TRUE(names("KASSA_SIGNER_SURNAME"));
  EXPECT_THROW(app::require_real_requisites(config), app::ConfigError);
  config.allow_demo_data = true;
  EXPECT_NO_THROW(app::require_real_requisites(config));
  EXPECT_TRUE(config.signer.configured()) << "a demo signer, so that packages still render";
  EXPECT_TRUE(app::placeholder_requisites(app::load_config(local_requisites_file())).empty());
}

// A merchant listed without phones and a merchant not listed: every item of every receipt names
// the paying agent's operation and phones, the operator's phones and a supplier phone.
TEST(Requisites, EveryItemCarriesThePayingAgentAndSupplierPhones) {
  Sandbox box("agent_phones");
  const std::string listed = "6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b";
  box.query("SELECT 1");  // the database exists
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    tx.exec_params(
        "INSERT INTO kassa.merchants (merchant_id, supplier_inn, supplier_name) "
        "VALUES ($1, '7704318875', 'ООО «Без телефона»')",
        listed);
    tx.commit();
  }
  json unlisted = payment_json();
  json without_phones = payment_json();
  without_phones["event_id"] = "44444444-4444-4444-8444-444444444444";
  without_phones["order_id"] = kOtherOrderId;
  without_phones["merchant_id"] = listed;
  box.publish_raw(box.config.topic_payments, unlisted["order_id"].get<std::string>(),
                  unlisted.dump());
  box.publish_raw(box.config.topic_payments, kOtherOrderId, without_phones.dump());
  const auto run = box.run_until_caught_up();
  ASSERT_TRUE(run.caught_up);
  const auto messages = box.read_topic(box.config.topic_receipts);
  ASSERT_EQ(messages.size(), 2u);
  const auto& seller = box.config.seller;
  for (const auto& message : messages) {
    const json body = json::parse(message.value);
    const json& receipt = body.at("atol").at("receipt");
    EXPECT_EQ(receipt.at("company").at("inn"), seller.inn);
    for (const json& item : receipt.at("items")) {
      const json& agent = item.at("agent_info");
      EXPECT_EQ(agent.at("type"), "paying_agent");
      EXPECT_EQ(agent.at("paying_agent").at("operation"), seller.paying_agent_operation);
      EXPECT_EQ(agent.at("paying_agent").at("phones"), json(seller.paying_agent_phones));
      EXPECT_EQ(agent.at("receive_payments_operator").at("phones"),
                json(seller.payments_operator_phones));
      // Neither merchant has phones of its own: the configured default stands in.
      EXPECT_EQ(item.at("supplier_info").at("phones"), json({seller.default_supplier_phone}));
    }
    const bool from_listed = body.at("merchant_id") == listed;
    EXPECT_EQ(receipt.at("items")[0].at("supplier_info").at("inn"),
              from_listed ? "7704318875" : seller.default_supplier_inn);
  }
  EXPECT_EQ(run.counts.receipts_default_supplier, 1);
  EXPECT_EQ(run.counts.receipts_default_supplier_phone, 1);
}

}  // namespace
}  // namespace kassa::testing
