// Fuzzes the receipt builder: a sequence of events (NDJSON, one Kafka message value a line; the
// topic is the one its event_type names) decoded and applied to the order state machine as in
// event_stream.hpp, then, for every applied step, core::build_receipts and the ATOL JSON of
// contract::receipt_json.
//
// Failures: an exception escaping; a receipt for an organization buyer or for a step that was
// not applied, none for a private buyer's applied step; receipts whose totals do not add up to
// the event's money; an item whose sum is not price × quantity (ATOL's rule), more than 100
// items or 6 VAT types in a receipt, a line VAT that is not sum × r / (100 + r); an id that is
// not "<event_id>:<kind>[:n]"; JSON that does not parse or breaks schemas/receipt.v1.json; two
// builds of the same step that differ; and everything event_stream.hpp checks.
#include <cstddef>
#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "contract/receipt_json.hpp"
#include "contract/schema.hpp"
#include "core/receipt.hpp"
#include "event_stream.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace kassa;
using fuzz::check;

const std::string kCallback = "https://gateway.example/atol/callback";

void check_receipt(const core::Receipt& receipt, const core::Step& step, std::size_t number) {
  const std::string kind(core::receipt_kind_name(receipt.kind));
  check(receipt.id_name ==
            step.event_id + ":" + kind + (number == 1 ? "" : ":" + std::to_string(number)),
        "receipt id name " + receipt.id_name);
  check(!receipt.lines.empty() && receipt.lines.size() <= core::kMaxReceiptLines,
        "a receipt with " + std::to_string(receipt.lines.size()) + " items");
  check(receipt.vats.size() <= core::kMaxReceiptVatTypes,
        "a receipt with " + std::to_string(receipt.vats.size()) + " VAT types");
  check(receipt.issued_at == step.occurred_at, "issued_at is not the event's time");
  check(!receipt.client_email.empty() || !receipt.client_phone.empty(), "a receipt for nobody");
  core::Kopecks total = 0;
  std::map<core::VatType, core::Kopecks> vats;
  for (const core::ReceiptLine& line : receipt.lines) {
    check(line.quantity.milli > 0 && line.price >= 0, "an item with no quantity or a price < 0");
    check(line.sum == core::item_sum(line.price, line.quantity),
          "an item's sum is not price x quantity: " + core::format_rubles(line.price) + " x " +
              core::format_quantity(line.quantity) + " != " + core::format_rubles(line.sum));
    check(line.vat_sum == core::vat_amount(line.vat, line.sum), "an item's VAT is not its rate's");
    check(contract::is_valid_utf8(line.name) && core::cut_characters(line.name, 128) == line.name,
          "an item name that is not UTF-8 of at most 128 characters");
    total += line.sum;
    vats[line.vat] += line.vat_sum;
  }
  check(total == receipt.total, "the items do not add up to the receipt's total");
  check(std::vector<std::pair<core::VatType, core::Kopecks>>(vats.begin(), vats.end()) ==
            receipt.vats,
        "the vats do not total the items by type");

  static contract::SchemaValidator schema("receipt.v1.json");
  const std::string body = contract::receipt_json(receipt, fuzz::seller(), kCallback);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  check(!j.is_discarded(), "the receipt is not JSON");
  if (const auto problems = schema.problems(j))
    fuzz::fail("the receipt breaks receipt.v1.json: " + *problems);
  const std::string id = contract::receipt_id(receipt);
  check(j.at("receipt_id") == id && j.at("atol").at("external_id") == id,
        "receipt_id or external_id is not the receipt's id");
  check(j.at("total") == receipt.total, "the message's total is not the receipt's");
}

void on_step(const core::OrderState& order, const core::Step& step) {
  const auto supplier = fuzz::supplier_for(order.merchant_id);
  const auto receipts = core::build_receipts(order, step, fuzz::seller(), supplier);
  const bool private_buyer =
      order.payment && order.payment->customer.type == core::CustomerType::private_person;
  if (step.outcome != core::Outcome::applied || !private_buyer) {
    check(receipts.empty(), "a receipt for an organization or for a step not applied");
    return;
  }
  check(!receipts.empty(), "no receipt for a private buyer's applied " +
                               std::string(core::event_kind_name(step.kind)));
  core::Kopecks total = 0;
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    check_receipt(receipts[i], step, i + 1);
    total += receipts[i].total;
  }
  check(total == step.amount, "receipts total " + std::to_string(total) + ", the event moved " +
                                  std::to_string(step.amount));
  // Receipts are built from the events alone: the same step gives the same bytes.
  const auto again = core::build_receipts(order, step, fuzz::seller(), supplier);
  check(again.size() == receipts.size(), "a second build gave another number of receipts");
  for (std::size_t i = 0; i < receipts.size(); ++i)
    check(contract::receipt_json(again[i], fuzz::seller(), kCallback) ==
              contract::receipt_json(receipts[i], fuzz::seller(), kCallback),
          "a second build gave other bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run_input([&] {
    fuzz::apply_stream(std::string_view(reinterpret_cast<const char*>(data), size), on_step);
  });
}
