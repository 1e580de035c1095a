// PostgreSQL over TLS, verified as production would: the worker connects with sslmode=verify-full
// against the certificate authority of scripts/services and does its work; given an authority
// that did not sign the server's certificate it does not connect at all.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "harness.hpp"

namespace kassa::testing {
namespace {

std::string local_ca() {
  const char* ca = std::getenv("KASSA_IT_PG_CA");
  return ca != nullptr ? ca : KASSA_SOURCE_DIR "/.local/tls/ca.crt";
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
  std::string command = "env -i";
  for (const auto& variable : Sandbox::environment(wrong)) command += " '" + variable + "'";
  command += " timeout -s TERM 3 " + std::string(kassa_binary()) + " run 2>&1";
  const auto refused = command_output(command);
  EXPECT_NE(refused.find("certificate verify failed"), std::string::npos) << refused;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kassa::testing
