// The batch statements' bulk path (store/pg_array.hpp) against the real PostgreSQL parser: every
// value comes back exactly as it went in.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "harness.hpp"
#include "store/pg_array.hpp"

namespace kassa::testing {
namespace {

TEST(PgArray, TextIntegersNullsAndBytesRoundTripThroughUnnest) {
  Sandbox box("pg_array", 1);
  const std::vector<std::string> texts = {
      "",          "plain",      "with \"quotes\"", "back\\slash\\",           "{braces},comma",
      "NULL",      "  spaces  ", "tab\tnewline\n",  "Сумма 1 999,99 ₽", "{\"json\": [1, 2]}",
      "trailing\\"};
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));

  store::ArrayParam text, integer, bytes;
  for (const auto& t : texts) text.text(t);
  text.null();
  for (const std::int64_t i : {std::int64_t{0}, std::int64_t{-1}, INT64_MAX, INT64_MIN})
    integer.integer(i);
  bytes.bytes(all_bytes).bytes("").null();

  pqxx::connection connection(box.config.pg_dsn);
  pqxx::work tx(connection);
  const auto text_rows = tx.exec_params(
      "SELECT t, t IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n",
      text.literal());
  ASSERT_EQ(text_rows.size(), texts.size() + 1);
  for (std::size_t i = 0; i < texts.size(); ++i)
    EXPECT_EQ(text_rows[i][0].as<std::string>(), texts[i]);
  EXPECT_TRUE(text_rows[texts.size()][1].as<bool>());

  const auto integer_rows =
      tx.exec_params("SELECT i FROM unnest($1::bigint[]) WITH ORDINALITY AS x(i, n) ORDER BY n",
                     integer.literal());
  ASSERT_EQ(integer_rows.size(), 4u);
  EXPECT_EQ(integer_rows[2][0].as<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(integer_rows[3][0].as<std::int64_t>(), INT64_MIN);

  const auto byte_rows = tx.exec_params(
      "SELECT b, b IS NULL FROM unnest($1::bytea[]) WITH ORDINALITY AS x(b, n) ORDER BY n",
      bytes.literal());
  ASSERT_EQ(byte_rows.size(), 3u);
  EXPECT_EQ(pqxx::binarystring(byte_rows[0][0]).str(), all_bytes);
  EXPECT_EQ(pqxx::binarystring(byte_rows[1][0]).str(), "");
  EXPECT_TRUE(byte_rows[2][1].as<bool>());
  EXPECT_EQ(store::ArrayParam().literal(), "{}");
}

}  // namespace
}  // namespace kassa::testing
