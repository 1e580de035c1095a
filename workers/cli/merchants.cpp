// `kassa merchants show MERCHANT_ID`: a merchant's requisites as kassa holds them, version by
// version (the hand-typed row of kassa.merchants, then each merchant event by date), and how many
// orders wait for it.
#include <cstdio>

#include "cli/commands.hpp"
#include "contract/encoding.hpp"
#include "store/database.hpp"
#include "store/merchant_store.hpp"

namespace kassa::cli {

void add_merchants(CLI::App& app, const Context& context, int& status) {
  auto* merchants = app.add_subcommand("merchants", "merchants' requisites (the merchants topic)");
  merchants->require_subcommand(1);
  auto* show = merchants->add_subcommand(
      "show", "a merchant's versions: from when each applies, name, INN/KPP, phones, site");
  static std::string merchant_id;
  show->add_option("MERCHANT_ID", merchant_id, "Invoicebox merchant id (UUID)")->required();
  show->callback([&context, &status] {
    const auto config = context.config();
    if (!contract::is_uuid(merchant_id))
      throw CLI::ValidationError("MERCHANT_ID", "not a UUID: " + merchant_id);
    store::Database database(config.pg_dsn);
    const auto history = store::merchant_history(database.connection(), merchant_id);
    const auto waiting = store::orders_waiting_for_merchant(database.connection(), merchant_id);
    if (history.empty()) {
      std::printf("merchant %s: no versions; %lld order(s) wait for it\n", merchant_id.c_str(),
                  static_cast<long long>(waiting));
      status = waiting > 0 ? 1 : 0;
      return;
    }
    std::printf(
        "merchant %s: %zu version(s); receipts and documents take the latest one dated "
        "not after their event\n",
        merchant_id.c_str(), history.size());
    for (const auto& v : history) {
      std::printf("\n  from %s  %s%s\n", v.from.c_str(), v.event_type.c_str(),
                  v.event_id.empty() ? "" : (" " + v.event_id).c_str());
      std::printf("    name      %s\n", v.name.c_str());
      std::printf("    INN/KPP   %s%s\n", v.inn.c_str(),
                  v.kpp.empty() ? "" : ("/" + v.kpp).c_str());
      std::printf("    phones    %s\n", v.phones.empty() ? "-" : v.phones.c_str());
      if (!v.email.empty()) std::printf("    e-mail    %s\n", v.email.c_str());
      if (!v.site_url.empty()) std::printf("    site      %s\n", v.site_url.c_str());
      if (!v.partner_id.empty()) std::printf("    partner   %s\n", v.partner_id.c_str());
      if (!v.edo_participant_id.empty())
        std::printf("    EDO id    %s\n", v.edo_participant_id.c_str());
    }
    if (waiting > 0)
      std::printf("\n%lld order(s) still wait for it\n", static_cast<long long>(waiting));
    status = 0;
  });
}

}  // namespace kassa::cli
