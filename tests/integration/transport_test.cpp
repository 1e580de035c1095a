// TLS and SASL as production runs them, on the local services of scripts/services: PostgreSQL with
// sslmode=verify-full against the local certificate authority, and Kafka's SASL_SSL listener with
// the certificate verified and a password; a certificate from another authority, or a wrong
// password, and nothing is done.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "harness.hpp"

namespace kassa::testing {
namespace {

std::string local_ca() {
  return env_or("KASSA_IT_PG_CA", KASSA_SOURCE_DIR "/.local/tls/ca.crt");
}

TEST(Transport, TheWorkerTalksToPostgreSQLOverVerifiedTls) {
  Sandbox box("tls");
  ASSERT_TRUE(std::filesystem::exists(local_ca())) << local_ca() << " (scripts/services makes it)";
  app::Config tls = box.config;
  tls.pg_dsn += " sslmode=verify-full sslrootcert=" + local_ca();
  {
    pqxx::connection connection(tls.pg_dsn);
    pqxx::read_transaction tx(connection);
    EXPECT_TRUE(tx.exec1("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0].as<bool>());
  }
  gen::Options options;
  options.orders = 150;
  options.seed = 17;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  Process run({kassa_binary(), "run", "--until-caught-up"}, Sandbox::environment(tls));
  ASSERT_EQ(run.wait_for(std::chrono::minutes(2)), std::optional<int>(0));
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'payment'"),
            stream.truth.at("ledger").at("payments_amount").get<std::int64_t>());

  // An authority of its own, which never signed the server's certificate.
  const auto dir = std::filesystem::path(::testing::TempDir()) / "kassa-tls-other-ca";
  std::filesystem::create_directories(dir);
  command_output("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout '" +
                 (dir / "ca.key").string() + "' -out '" + (dir / "ca.crt").string() +
                 "' 2>/dev/null");
  ASSERT_TRUE(std::filesystem::exists(dir / "ca.crt"));
  app::Config wrong = box.config;
  wrong.pg_dsn += " sslmode=verify-full sslrootcert=" + (dir / "ca.crt").string();
  const auto refused = kassa_output(wrong, "run", {}, 3);
  EXPECT_NE(refused.find("certificate verify failed"), std::string::npos) << refused;
  std::filesystem::remove_all(dir);
}

TEST(Transport, TheWorkerTalksToKafkaOverSaslAndVerifiedTls) {
  Sandbox box("sasl");
  gen::Options options;
  options.orders = 150;
  options.seed = 19;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);  // over the plaintext listener

  // Consumer, relay and admin calls all over the SASL_SSL listener.
  app::Config sasl = box.config;
  sasl.brokers = env_or("KASSA_IT_KAFKA_SASL_ADDR", "127.0.0.1:59094");
  const std::map<std::string, std::string> settings = {
      {"KASSA_KAFKA_SECURITY_PROTOCOL", "sasl_ssl"},
      {"KASSA_KAFKA_SASL_MECHANISMS", "PLAIN"},
      {"KASSA_KAFKA_SASL_USERNAME", env_or("KASSA_IT_KAFKA_SASL_USER", "kassa")},
      {"KASSA_KAFKA_SASL_PASSWORD", env_or("KASSA_IT_KAFKA_SASL_PASSWORD", "kassa-local-secret")},
      {"KASSA_KAFKA_SSL_CA_LOCATION", local_ca()}};
  Process run({kassa_binary(), "run", "--until-caught-up"}, Sandbox::environment(sasl, settings));
  ASSERT_EQ(run.wait_for(std::chrono::minutes(2)), std::optional<int>(0));
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'payment'"),
            stream.truth.at("ledger").at("payments_amount").get<std::int64_t>());
  const auto receipts = box.scalar("SELECT count(*) FROM kassa.receipts");
  EXPECT_GT(receipts, 0);
  EXPECT_EQ(static_cast<std::int64_t>(box.read_topic(box.config.topic_receipts).size()), receipts)
      << "the relay published every receipt over SASL_SSL";

  // A wrong password: refused by the broker, said so, and the password not repeated.
  auto wrong = settings;
  wrong["KASSA_KAFKA_SASL_PASSWORD"] = "NotTheS3cret";
  const auto refused = kassa_output(sasl, "run", wrong, 5);
  EXPECT_NE(refused.find("Authentication failed"), std::string::npos) << refused.substr(0, 3000);
  EXPECT_EQ(refused.find("NotTheS3cret"), std::string::npos) << refused.substr(0, 3000);
}

}  // namespace
}  // namespace kassa::testing
