// Credentials never leave kassa in what it prints: the database password and Kafka's SASL and TLS
// secrets stay out of `--help`, of log lines (debug included) and of error messages, on the paths
// where they are most likely to leak: a database that cannot be reached, a DSN that cannot be
// parsed, and a SASL handshake the broker refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"

namespace kassa::testing {
namespace {

// Every secret below contains this, so one search finds any of them or a piece of one.
constexpr const char* kMarker = "S3cret";

TEST(Secrets, HelpShowsNoCredentials) {
  Sandbox box("secrets_help");
  const std::map<std::string, std::string> secrets = {
      {"KASSA_PG_DSN", "postgresql://kassa_worker:PgS3cret@127.0.0.1:1/kassa"},
      {"KASSA_KAFKA_SASL_PASSWORD", "KafkaS3cret"},
      {"KASSA_KAFKA_SSL_KEY_PASSWORD", "KeyS3cret"}};
  for (const char* args : {"--help", "run --help", "migrate --help", "reconcile --help",
                           "replay --help", "outbox --help"}) {
    const auto text = kassa_output(box.config, args, secrets);
    EXPECT_NE(text.find("Usage"), std::string::npos) << args << ":\n" << text;
    EXPECT_EQ(text.find(kMarker), std::string::npos) << args << ":\n" << text;
  }
}

TEST(Secrets, AnUnreachableDatabaseIsReportedWithoutItsPassword) {
  Sandbox box("secrets_pg");
  // Port 1 refuses at once: the first warning comes straight away, then the worker retries.
  const auto text = kassa_output(
      box.config, "run",
      {{"KASSA_PG_DSN", "postgresql://kassa_worker:PgS3cret@127.0.0.1:1/kassa?connect_timeout=2"},
       {"KASSA_LOG_LEVEL", "debug"}},
      3);
  EXPECT_NE(text.find("database not reachable"), std::string::npos) << text;
  EXPECT_EQ(text.find(kMarker), std::string::npos) << text;

  // The same in libpq's key=value form.
  const auto conninfo = kassa_output(
      box.config, "run",
      {{"KASSA_PG_DSN", "host=127.0.0.1 port=1 user=kassa_worker password=PgS3cret dbname=kassa"}},
      3);
  EXPECT_NE(conninfo.find("database not reachable"), std::string::npos) << conninfo;
  EXPECT_EQ(conninfo.find(kMarker), std::string::npos) << conninfo;
}

TEST(Secrets, AnUnparsableDsnIsRefusedWithoutQuotingIt) {
  Sandbox box("secrets_dsn");
  // An '@' in a URI's password that was not percent-encoded: libpq would take the rest of the
  // password for the host name and say so.
  const auto at =
      kassa_output(box.config, "run",
                   {{"KASSA_PG_DSN", "postgresql://kassa_worker:Pg@S3cret@127.0.0.1:55432/kassa"}});
  EXPECT_NE(at.find("configuration error: KASSA_PG_DSN"), std::string::npos) << at;
  EXPECT_NE(at.find("%40"), std::string::npos) << "says how to fix it: " << at;
  EXPECT_EQ(at.find(kMarker), std::string::npos) << at;

  const auto broken = kassa_output(box.config, "migrate",
                                   {{"KASSA_PG_DSN", "postgresql://kassa:PgS3cret@[::1/kassa"}});
  EXPECT_NE(broken.find("configuration error: KASSA_PG_DSN"), std::string::npos) << broken;
  EXPECT_EQ(broken.find(kMarker), std::string::npos) << broken;
}

TEST(Secrets, ARefusedSaslHandshakeIsLoggedWithoutThePassword) {
  Sandbox box("secrets_sasl");
  // The local broker speaks PLAINTEXT only, so the SASL/SCRAM handshake fails; librdkafka's own
  // debug output of its configuration and of the handshake is on.
  const auto text = kassa_output(box.config, "run",
                                 {{"KASSA_KAFKA_SECURITY_PROTOCOL", "sasl_plaintext"},
                                  {"KASSA_KAFKA_SASL_MECHANISMS", "SCRAM-SHA-512"},
                                  {"KASSA_KAFKA_SASL_USERNAME", "kassa"},
                                  {"KASSA_KAFKA_SASL_PASSWORD", "KafkaS3cret"},
                                  {"KASSA_KAFKA_DEBUG", "conf,security,broker"},
                                  {"KASSA_LOG_LEVEL", "debug"}},
                                 5);
  EXPECT_NE(text.find("SASL"), std::string::npos) << "the handshake was attempted:\n"
                                                  << text.substr(0, 4000);
  EXPECT_EQ(text.find(kMarker), std::string::npos) << text.substr(0, 4000);
}

}  // namespace
}  // namespace kassa::testing
