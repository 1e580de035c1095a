// Fuzzes the Invoicebox state parser (contract::parse_invoicebox_line), the reader of `kassa
// state import FILE`: the input is the file, NDJSON split into lines as the command splits it.
//
// A LineError with its reason is a normal outcome (the command reports the line and goes on).
// Failures: an exception escaping; a parsed order the import could not store or that breaks the
// parser's own promises (an id or parentId that is not a lower-case uuid, parentId = id, an
// unknown status, negative money, a currency other than RUB, a customer type other than private
// or legal, text PostgreSQL cannot hold: a NUL character); an order that does not parse back
// the same from a line written from it; a trailing '\r' (a file with CRLF line ends) changing the
// outcome; and whatever the sanitizers report.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "contract/invoicebox_state.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace kassa;
using contract::InvoiceboxOrder;
using fuzz::check;

bool lower_uuid(const std::string& text) {
  return contract::normalize_uuid(text) == text;
}

// The line Invoicebox would export for `order`: money in rubles, times in UTC. A time outside
// what parse_utc takes (an offset moved it out of 1970-9999) is left out and copied over.
std::string line_of(const InvoiceboxOrder& o, InvoiceboxOrder& expected) {
  expected = o;
  nlohmann::json j = {{"id", o.id}, {"status", o.status}, {"currencyId", o.currency}};
  std::string line = j.dump();
  line.pop_back();
  line += ",\"amount\":" + core::format_rubles(o.amount);
  if (o.vat_amount) line += ",\"vatAmount\":" + core::format_rubles(*o.vat_amount);
  auto add = [&](const char* name, const std::optional<std::string>& value) {
    if (value) line += ",\"" + std::string(name) + "\":" + nlohmann::json(*value).dump();
  };
  add("merchantId", o.merchant_id);
  add("merchantOrderId", o.merchant_order_id);
  add("parentId", o.parent_id);
  for (auto [name, time, copy] : {std::tuple{"createdAt", o.created_at, &expected.created_at},
                                  std::tuple{"paidAt", o.paid_at, &expected.paid_at}}) {
    if (!time) continue;
    const std::string text = core::format_utc(*time);
    if (core::parse_utc(text))
      add(name, text);
    else
      copy->reset();
  }
  if (o.customer_type) line += ",\"customer\":{\"type\":\"" + *o.customer_type + "\"}";
  return line + "}";
}

void check_order(const InvoiceboxOrder& o) {
  check(lower_uuid(o.id), "id is not a lower-case uuid: " + o.id);
  check(contract::normalize_invoicebox_status(o.status) == o.status, "status " + o.status);
  check(o.amount >= 0 && o.vat_amount.value_or(0) >= 0, "negative money");
  check(o.currency == "RUB", "currency " + o.currency);
  check(!o.parent_id || (lower_uuid(*o.parent_id) && *o.parent_id != o.id), "a bad parentId");
  check(!o.merchant_id || lower_uuid(*o.merchant_id), "a bad merchantId");
  check(!o.customer_type || *o.customer_type == "private" || *o.customer_type == "legal",
        "customer type " + o.customer_type.value_or(""));
  // Staged into PostgreSQL text columns, which cannot hold U+0000.
  check(o.merchant_order_id.value_or("").find('\0') == std::string::npos,
        "merchantOrderId with a NUL character was accepted");

  InvoiceboxOrder expected;
  const std::string line = line_of(o, expected);
  const auto again = contract::parse_invoicebox_line(line);
  if (const auto* error = std::get_if<contract::LineError>(&again))
    fuzz::fail("a line written from a parsed order is refused: " + error->reason + ": " + line);
  check(std::get<InvoiceboxOrder>(again) == expected,
        "a line written from a parsed order parses to another: " + line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run_input([&] {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const std::string_view line : fuzz::lines_of(input)) {
      const auto parsed = contract::parse_invoicebox_line(line);
      const auto crlf = contract::parse_invoicebox_line(std::string(line) + "\r");
      check(parsed.index() == crlf.index(), "a trailing CR changes whether the line parses");
      if (const auto* error = std::get_if<contract::LineError>(&parsed)) {
        check(!error->reason.empty(), "a line error without a reason");
        continue;
      }
      const auto& order = std::get<InvoiceboxOrder>(parsed);
      check(order == std::get<InvoiceboxOrder>(crlf), "a trailing CR changes the order");
      check_order(order);
    }
  });
}
