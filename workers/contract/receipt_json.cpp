#include "contract/receipt_json.hpp"

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "contract/json_text.hpp"

namespace kassa::contract {
namespace {

// Receipts are written key by key in ATOL's order (contract/json_text.hpp).
using Writer = JsonText;

// "phones": [...] (tags 1171, 1073, 1074), left out when there are none.
void phones(Writer& w, const std::vector<std::string>& list) {
  if (list.empty()) return;
  w.key("phones").open('[');
  for (const auto& phone : list) w.string(phone);
  w.close(']');
}

}  // namespace

std::string receipt_id(const core::Receipt& receipt) {
  return uuid_v5(kOutputNamespace, receipt.id_name);
}

std::string receipt_json(const core::Receipt& r, const core::Seller& seller,
                         const std::string& callback_url) {
  const std::string id = receipt_id(r);
  Writer w;
  w.open('{');
  w.key("receipt_id").string(id);
  w.key("kind").string(std::string(core::receipt_kind_name(r.kind)));
  w.key("order_id").string(r.order_id);
  w.key("merchant_id").string(r.merchant_id);
  w.key("source_event_id").string(r.source_event_id);
  w.key("operation").string(r.operation);
  w.key("issued_at").string(core::format_utc(r.issued_at));
  w.key("total").integer(r.total);
  w.key("atol").open('{');
  w.key("external_id").string(id);
  w.key("timestamp").string(core::format_moscow_atol(r.issued_at));
  if (!callback_url.empty())
    w.key("service").open('{').key("callback_url").string(callback_url).close('}');
  w.key("receipt").open('{');
  w.key("client").open('{');
  if (!r.client_email.empty())
    w.key("email").string(r.client_email);
  else
    w.key("phone").string(r.client_phone);
  w.close('}');
  w.key("company").open('{');
  w.key("email").string(seller.email);
  w.key("sno").string(seller.sno);
  w.key("inn").string(seller.inn);
  w.key("payment_address")
      .string(r.supplier.site_url.empty() ? seller.payment_address : r.supplier.site_url);
  w.close('}');
  w.key("items").open('[');
  for (const auto& line : r.lines) {
    w.open('{');
    w.key("name").string(line.name);
    w.key("price").raw(core::format_rubles(line.price));
    w.key("quantity").raw(core::format_quantity(line.quantity));
    w.key("sum").raw(core::format_rubles(line.sum));
    w.key("measure").integer(line.measure);
    w.key("payment_method").string(line.payment_method);
    w.key("payment_object").integer(line.payment_object);
    w.key("vat").open('{').key("type").string(std::string(core::vat_type_name(line.vat)));
    w.key("sum").raw(core::format_rubles(line.vat_sum)).close('}');
    w.key("agent_info").open('{').key("type").string(seller.agent_type);
    if (!seller.paying_agent_operation.empty() || !seller.paying_agent_phones.empty()) {
      w.key("paying_agent").open('{');
      if (!seller.paying_agent_operation.empty())
        w.key("operation").string(seller.paying_agent_operation);
      phones(w, seller.paying_agent_phones);
      w.close('}');
    }
    if (!seller.payments_operator_phones.empty()) {
      w.key("receive_payments_operator").open('{');
      phones(w, seller.payments_operator_phones);
      w.close('}');
    }
    w.close('}');
    w.key("supplier_info").open('{');
    w.key("inn").string(r.supplier.inn);
    if (!r.supplier.name.empty()) w.key("name").string(r.supplier.name);
    phones(w, r.supplier.phones);
    w.close('}');
    w.close('}');
  }
  w.close(']');
  w.key("payments")
      .open('[')
      .open('{')
      .key("type")
      .integer(r.payment_type)
      .key("sum")
      .raw(core::format_rubles(r.total));
  w.close('}').close(']');
  w.key("vats").open('[');
  for (const auto& [type, sum] : r.vats)
    w.open('{')
        .key("type")
        .string(std::string(core::vat_type_name(type)))
        .key("sum")
        .raw(core::format_rubles(sum))
        .close('}');
  w.close(']');
  w.key("total").raw(core::format_rubles(r.total));
  w.key("internet").boolean(true);
  w.close('}');  // receipt
  w.close('}');  // atol
  w.close('}');
  return w.take();
}

}  // namespace kassa::contract
