// Parsing one line of Invoicebox's state export: exact kopecks from the number's text, strict
// fields, and a clear reason for every line that cannot be loaded.
#include "contract/invoicebox_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gen/generator.hpp"

namespace kassa::contract {
namespace {

constexpr const char* kId = "d28d42cb-4e30-43a5-b247-28ee79141978";
constexpr const char* kParent = "62f42f80-f493-4663-9177-dbcda9365511";

// A realistic order (invoicebox.md §3) with one field replaced: `field` is the raw JSON text
// after `"name":`, or nullptr to leave the field out.
std::string order_line(const std::string& name = "", const char* value = nullptr) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"id", std::string("\"") + kId + "\""},
      {"merchantId", "\"407c78be-225f-433c-800b-f1849c9a68bb\""},
      {"merchantOrderId", "\"M13-0000001\""},
      {"description", "\"Оплата заказа № M13-0000001\""},
      {"amount", "371.88"},
      {"vatAmount", "61.98"},
      {"currencyId", "\"RUB\""},
      {"status", "\"completed\""},
      {"createdAt", "\"2020-12-22T00:00:00+00:00\""},
      {"paidAt", "\"2020-12-22T03:15:00+03:00\""},
      {"customer", "{\"type\":\"legal\",\"name\":\"ООО «Ромашка»\",\"vatNumber\":\"9864288125\"}"},
      {"basketItems",
       "[{\"sku\":\"KET-1\",\"name\":\"Чайник\",\"measure\":\"шт.\",\"measureCode\":\"796\","
       "\"quantity\":3,\"amount\":123.96,\"amountWoVat\":103.30,\"totalAmount\":371.88,"
       "\"totalVatAmount\":61.98,\"vatCode\":\"RUS_VAT20\",\"type\":\"commodity\","
       "\"paymentType\":\"full_prepayment\"}]"},
  };
  std::string out = "{";
  bool replaced = false;
  for (const auto& [key, text] : fields) {
    std::string v = text;
    if (key == name) {
      replaced = true;
      if (value == nullptr) continue;
      v = value;
    }
    if (out.size() > 1) out += ",";
    out += "\"" + key + "\":" + v;
  }
  if (!replaced && !name.empty() && value != nullptr) out += ",\"" + name + "\":" + value;
  return out + "}";
}

InvoiceboxOrder parsed(const std::string& line) {
  auto result = parse_invoicebox_line(line);
  if (const auto* error = std::get_if<LineError>(&result)) {
    ADD_FAILURE() << "rejected: " << error->reason << "\n" << line;
    return {};
  }
  return std::get<InvoiceboxOrder>(result);
}

TEST(InvoiceboxState, ParsesTheDocumentedExample) {
  const auto o = parsed(order_line());
  EXPECT_EQ(o.id, kId);
  EXPECT_EQ(o.merchant_id, "407c78be-225f-433c-800b-f1849c9a68bb");
  EXPECT_EQ(o.merchant_order_id, "M13-0000001");
  EXPECT_EQ(o.parent_id, std::nullopt);
  EXPECT_FALSE(o.is_refund());
  EXPECT_EQ(o.status, "completed");
  EXPECT_EQ(o.amount, 37188);
  EXPECT_EQ(o.vat_amount, 6198);
  EXPECT_EQ(o.currency, "RUB");
  EXPECT_EQ(o.customer_type, "legal");
  EXPECT_EQ(core::format_utc(o.created_at.value()), "2020-12-22T00:00:00Z");
  EXPECT_EQ(core::format_utc(o.paid_at.value()), "2020-12-22T00:15:00Z");  // +03:00 -> UTC
}

struct GoodCase {
  std::string field;
  const char* value;
  core::Kopecks amount;  // expected kopecks of `amount`
  const char* why;
};

TEST(InvoiceboxState, MoneyIsExactFromTheText) {
  const GoodCase cases[] = {
      {"amount", "371.88", 37188, "two decimals"},
      {"amount", "100", 10000, "an integer is whole rubles"},
      {"amount", "100.0", 10000, "one decimal"},
      {"amount", "0.01", 1, "one kopeck"},
      {"amount", "0", 0, "zero"},
      {"amount", "0.29", 29, "0.29 is 28.999... as a double; the text gives 29"},
      {"amount", "1.13", 113, "1.13 * 100 is 112.99999... as a double"},
      {"amount", "4503599627370.49", 450359962737049, "beyond a double's kopeck precision"},
      {"amount", "-0.00", 0, "negative zero is zero"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parsed(order_line(c.field, c.value)).amount, c.amount) << c.why;
}

TEST(InvoiceboxState, OptionalFieldsAndSpellings) {
  auto o = parsed(order_line("vatAmount", nullptr));
  EXPECT_EQ(o.vat_amount, std::nullopt);
  o = parsed(order_line("customer", nullptr));
  EXPECT_EQ(o.customer_type, std::nullopt);
  o = parsed(order_line("customer", "{\"name\":\"Иван\"}"));
  EXPECT_EQ(o.customer_type, std::nullopt);
  o = parsed(order_line("customer", "{\"type\":\"private\",\"address\":{\"type\":\"x\"}}"));
  EXPECT_EQ(o.customer_type, "private") << "only customer.type itself counts";
  o = parsed(order_line("paidAt", "null"));
  EXPECT_EQ(o.paid_at, std::nullopt);
  o = parsed(order_line("parentId", (std::string("\"") + kParent + "\"").c_str()));
  EXPECT_EQ(o.parent_id, kParent);
  EXPECT_TRUE(o.is_refund());
  o = parsed(order_line("parentId", "null"));
  EXPECT_FALSE(o.is_refund());
  o = parsed(order_line("id", "\"D28D42CB-4E30-43A5-B247-28EE79141978\""));
  EXPECT_EQ(o.id, kId) << "uuids are stored lower-case";
  o = parsed(order_line("createdAt", "\"2020-12-22T00:00:00.5Z\""));
  EXPECT_EQ(core::format_utc(o.created_at.value()), "2020-12-22T00:00:00.500000Z");
  o = parsed(order_line("createdAt", "\"2021-01-01T01:30:00-02:30\""));
  EXPECT_EQ(core::format_utc(o.created_at.value()), "2021-01-01T04:00:00Z");
  o = parsed(order_line("createdAt", "\"2021-01-01T01:00:00+03:00\""));
  EXPECT_EQ(core::format_utc(o.created_at.value()), "2020-12-31T22:00:00Z") << "across a year";
  o = parsed(order_line() + "\r");
  EXPECT_EQ(o.amount, 37188) << "a CRLF line ending is JSON whitespace";
  // A repeated key: the last one wins, as in any JSON parser.
  std::string repeated = order_line();
  repeated.back() = ',';
  o = parsed(repeated + "\"amount\":1}");
  EXPECT_EQ(o.amount, 100);
}

TEST(InvoiceboxState, Statuses) {
  for (const char* s : {"created", "completed", "expired", "canceled", "hold", "draft"})
    EXPECT_EQ(parsed(order_line("status", (std::string("\"") + s + "\"").c_str())).status, s);
  EXPECT_EQ(parsed(order_line("status", "\"cancelled\"")).status, "canceled")
      << "the non-processable API's spelling is stored as canceled";
}

struct BadCase {
  std::string line;
  std::string reason;  // the full expected reason
};

TEST(InvoiceboxState, BadLinesHaveAReason) {
  const BadCase cases[] = {
      {order_line("amount", "1.005"), "amount has more than two decimals: 1.005"},
      {order_line("amount", "371.880"), "amount has more than two decimals: 371.880"},
      {order_line("vatAmount", "61.985"), "vatAmount has more than two decimals: 61.985"},
      {order_line("amount", "-1.00"), "amount is negative: -1.00"},
      {order_line("amount", "\"371.88\""), "amount is not a number: \"371.88\""},
      {order_line("amount", "1e2"), "amount in exponent form is not accepted: 1e2"},
      {order_line("amount", "3.7188E2"), "amount in exponent form is not accepted: 3.7188E2"},
      {order_line("amount", "12345678901234567.00"),
       "amount is out of range: 12345678901234567.00"},
      {order_line("amount", nullptr), "missing amount"},
      {order_line("currencyId", "\"USD\""), "currencyId \"USD\" is not RUB"},
      {order_line("currencyId", nullptr), "missing currencyId"},
      {order_line("status", "\"paid\""), "unknown status \"paid\""},
      {order_line("status", "\"COMPLETED\""), "unknown status \"COMPLETED\""},
      {order_line("status", nullptr), "missing status"},
      {order_line("status", "null"), "missing status"},
      {order_line("status", "1"), "status is not a string: 1"},
      {order_line("id", nullptr), "missing id"},
      {order_line("id", "\"42\""), "id is not a uuid: \"42\""},
      {order_line("id", "42"), "id is not a uuid: 42"},
      {order_line("id", "\"d28d42cb-4e30-43a5-b247-28ee7914197g\""),
       "id is not a uuid: \"d28d42cb-4e30-43a5-b247-28ee7914197g\""},
      {order_line("parentId", "\"not-a-uuid\""), "parentId is not a uuid: \"not-a-uuid\""},
      {order_line("parentId", "{}"), "parentId is not a uuid: an object"},
      {order_line("parentId", (std::string("\"") + kId + "\"").c_str()), "parentId equals id"},
      {order_line("merchantId", "\"shop\""), "merchantId is not a uuid: \"shop\""},
      {order_line("merchantOrderId", "17"), "merchantOrderId is not a string: 17"},
      // Found by fuzz_invoicebox_state: kassa state import staged it, and PostgreSQL refused the
      // whole import at COPY.
      {order_line("merchantOrderId", "\"O-1\\u0000\""),
       "merchantOrderId contains a NUL character (\\u0000), which cannot be stored"},
      {order_line("createdAt", "\"2020-12-22 00:00:00\""),
       "createdAt is not an ISO 8601 time with offset: \"2020-12-22 00:00:00\""},
      {order_line("createdAt", "\"2020-12-22T00:00:00\""),
       "createdAt is not an ISO 8601 time with offset: \"2020-12-22T00:00:00\""},
      {order_line("paidAt", "\"2021-02-30T00:00:00+00:00\""),
       "paidAt is not an ISO 8601 time with offset: \"2021-02-30T00:00:00+00:00\""},
      {order_line("paidAt", "\"2021-02-01T00:00:00+24:00\""),
       "paidAt is not an ISO 8601 time with offset: \"2021-02-01T00:00:00+24:00\""},
      {order_line("customer", "{\"type\":\"company\"}"),
       "customer.type must be private or legal: \"company\""},
      {order_line("customer", "\"legal\""), "customer is not an object: \"legal\""},
      {"[" + order_line() + "]", "not a JSON object"},
      {"\"completed\"", "not a JSON object"},
      {"42", "not a JSON object"},
  };
  for (const auto& c : cases) {
    const auto result = parse_invoicebox_line(c.line);
    const auto* error = std::get_if<LineError>(&result);
    ASSERT_NE(error, nullptr) << "accepted: " << c.line;
    EXPECT_EQ(error->reason, c.reason) << c.line;
  }
}

TEST(InvoiceboxState, BrokenJsonIsRejected) {
  const std::string full = order_line();
  for (const std::string& line :
       {full.substr(0, full.size() / 2), full + "}", full + " {}", std::string("{\"id\":"),
        std::string("not json"), std::string("{'id': 1}")}) {
    const auto result = parse_invoicebox_line(line);
    const auto* error = std::get_if<LineError>(&result);
    ASSERT_NE(error, nullptr) << line;
    EXPECT_EQ(error->reason.rfind("invalid JSON at byte ", 0), 0u) << error->reason;
  }
}

TEST(InvoiceboxState, OffsetTimes) {
  const std::pair<const char*, const char*> good[] = {
      {"2020-12-22T00:00:00+00:00", "2020-12-22T00:00:00Z"},
      {"2020-12-22T00:00:00Z", "2020-12-22T00:00:00Z"},
      {"2020-12-22T00:00:00-00:00", "2020-12-22T00:00:00Z"},
      {"2024-02-29T23:30:00-05:45", "2024-03-01T05:15:00Z"},
      {"2020-12-22T00:00:00.123456+03:00", "2020-12-21T21:00:00.123456Z"},
  };
  for (const auto& [text, utc] : good) {
    const auto t = parse_offset_time(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(core::format_utc(*t), utc) << text;
  }
  for (const char* bad :
       {"", "2020-12-22", "2020-12-22T00:00:00", "2020-12-22T00:00:00+0300",
        "2020-12-22T00:00:00+03", "2020-12-22T00:00:00+03:60", "2020-12-22T24:00:00+00:00",
        "2020-12-22t00:00:00+00:00", "2020-12-22T00:00:00 +00:00", "2020-12-22T00:00:00+03:0a"})
    EXPECT_FALSE(parse_offset_time(bad).has_value()) << bad;
}

// Every line the generator exports is a valid order whose money matches the text exactly.
TEST(InvoiceboxState, GeneratorExportParses) {
  gen::Options options;
  options.orders = 300;
  const auto out = gen::generate(options);
  ASSERT_FALSE(out.invoicebox_state.empty());
  int refunds = 0;
  for (const auto& line : out.invoicebox_state) {
    const auto o = parsed(line);
    // The amount as text, re-derived with plain string search (no JSON, no double).
    const auto at = line.find("\"amount\":") + 9;
    const auto text = line.substr(at, line.find(',', at) - at);
    EXPECT_EQ(core::format_rubles(o.amount), text) << line.substr(0, 120);
    refunds += o.is_refund();
  }
  EXPECT_GT(refunds, 0);
}

// A guarantee-fund operation (contract §6) with one field replaced or, for nullptr, left out.
std::string fund_line(const std::string& name = "", const char* value = nullptr) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"objectType", "\"guaranteeFundOperation\""},
      {"id", "\"5b1e8a3c-1f0e-4c55-9a0b-2d9e7c4f6a11\""},
      {"partnerId", "\"a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d\""},
      {"partnerOperationId", "\"0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b\""},
      {"orderId", std::string("\"") + kId + "\""},
      {"type", "\"debit\""},
      {"amount", "371.88"},
      {"createdAt", "\"2026-01-09T15:00:00+03:00\""},
  };
  std::string out = "{";
  for (const auto& [key, text] : fields) {
    if (key == name && value == nullptr) continue;
    if (out.size() > 1) out += ",";
    out += "\"" + key + "\":" + (key == name ? std::string(value) : text);
  }
  return out + "}";
}

TEST(InvoiceboxState, GuaranteeFundOperations) {
  struct Row {
    std::string line;
    std::string type;
    core::Kopecks amount;
    const char* created;  // UTC, or nullptr when the line has none
    const char* why;
  };
  const Row rows[] = {
      {fund_line(), "debit", 37188, "2026-01-09T12:00:00Z",
       "a payment confirmed from the fund; +03:00 is converted to UTC"},
      {fund_line("type", "\"credit\""), "credit", 37188, "2026-01-09T12:00:00Z",
       "the money returned to the fund"},
      {fund_line("amount", "100"), "debit", 10000, "2026-01-09T12:00:00Z",
       "whole rubles, exactly as orders' amounts"},
      {fund_line("amount", "0.29"), "debit", 29, "2026-01-09T12:00:00Z",
       "from the text, never through a double"},
      {fund_line("createdAt", nullptr), "debit", 37188, nullptr, "createdAt is optional"},
      {fund_line("id", "\"5B1E8A3C-1F0E-4C55-9A0B-2D9E7C4F6A11\""), "debit", 37188,
       "2026-01-09T12:00:00Z", "uuids in upper case are stored lower-case"},
  };
  for (const auto& row : rows) {
    const auto result = parse_state_line(row.line);
    const auto* op = std::get_if<FundOperation>(&result);
    ASSERT_NE(op, nullptr) << row.why << ": " << row.line;
    EXPECT_EQ(op->id, "5b1e8a3c-1f0e-4c55-9a0b-2d9e7c4f6a11") << row.why;
    EXPECT_EQ(op->partner_id, "a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d") << row.why;
    EXPECT_EQ(op->partner_operation_id, "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b") << row.why;
    EXPECT_EQ(op->order_id, kId) << row.why;
    EXPECT_EQ(op->type, row.type) << row.why;
    EXPECT_EQ(op->amount, row.amount) << row.why;
    if (row.created)
      EXPECT_EQ(core::format_utc(op->created_at.value()), row.created) << row.why;
    else
      EXPECT_EQ(op->created_at, std::nullopt) << row.why;
  }
  // An order is still an order, and the orders-only parser refuses a fund operation.
  EXPECT_TRUE(std::holds_alternative<InvoiceboxOrder>(parse_state_line(order_line())));
  const auto as_order = parse_invoicebox_line(fund_line());
  ASSERT_TRUE(std::holds_alternative<LineError>(as_order));
  EXPECT_EQ(std::get<LineError>(as_order).reason, "a guarantee-fund operation, not an order");
}

TEST(InvoiceboxState, BadFundOperationsHaveAReason) {
  const BadCase cases[] = {
      {fund_line("type", "\"refund\""), "type must be debit or credit: \"refund\""},
      {fund_line("type", "\"DEBIT\""), "type must be debit or credit: \"DEBIT\""},
      {fund_line("type", "1"), "type must be debit or credit: 1"},
      {fund_line("type", nullptr), "missing type"},
      {fund_line("amount", "1.005"), "amount has more than two decimals: 1.005"},
      {fund_line("amount", "-5.00"), "amount is negative: -5.00"},
      {fund_line("amount", "\"5.00\""), "amount is not a number: \"5.00\""},
      {fund_line("amount", "5e2"), "amount in exponent form is not accepted: 5e2"},
      {fund_line("amount", nullptr), "missing amount"},
      {fund_line("id", nullptr), "missing id"},
      {fund_line("partnerId", nullptr), "missing partnerId"},
      {fund_line("partnerOperationId", nullptr), "missing partnerOperationId"},
      {fund_line("orderId", nullptr), "missing orderId"},
      {fund_line("orderId", "null"), "missing orderId"},
      {fund_line("orderId", "\"M13-0000001\""), "orderId is not a uuid: \"M13-0000001\""},
      {fund_line("partnerId", "{}"), "partnerId is not a uuid: an object"},
      {fund_line("createdAt", "\"2026-01-09 15:00:00\""),
       "createdAt is not an ISO 8601 time with offset: \"2026-01-09 15:00:00\""},
  };
  for (const auto& c : cases) {
    const auto result = parse_state_line(c.line);
    const auto* error = std::get_if<LineError>(&result);
    ASSERT_NE(error, nullptr) << "accepted: " << c.line;
    EXPECT_EQ(error->reason, c.reason) << c.line;
  }
}

}  // namespace
}  // namespace kassa::contract
