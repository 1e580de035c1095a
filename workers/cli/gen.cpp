// `kassa gen`: a reproducible synthetic stream (and the matching Invoicebox state and truth).
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "app/feed.hpp"
#include "cli/commands.hpp"
#include "contract/encoding.hpp"
#include "gen/generator.hpp"

namespace kassa::cli {
namespace {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  for (const auto& line : lines) out << line << '\n';
  if (!out) throw std::runtime_error("error writing " + path);
}

}  // namespace

void add_gen(CLI::App& app, const Context& context, int& status) {
  auto* command =
      app.add_subcommand("gen", "generate a reproducible event stream, Invoicebox state and truth");
  static gen::Options options;
  static bool to_kafka = false;
  static std::string events_file, invoicebox_file, truth_file;
  command->add_option("--seed", options.seed, "random seed (same seed, same bytes)")
      ->capture_default_str();
  command->add_option("--orders", options.orders, "number of orders")->capture_default_str();
  command->add_option("--legal-share", options.legal_share, "share of legal (organization) buyers")
      ->capture_default_str();
  command
      ->add_option("--malformed-rate", options.malformed_rate,
                   "share of orders with one bad extra event")
      ->capture_default_str();
  command->add_option("--duplicate-rate", options.duplicate_rate, "share of events delivered twice")
      ->capture_default_str();
  command
      ->add_option("--reorder-rate", options.reorder_rate,
                   "share of orders whose payment comes last")
      ->capture_default_str();
  command
      ->add_option("--discrepancy-rate", options.discrepancy_rate,
                   "share of orders with an Invoicebox discrepancy")
      ->capture_default_str();
  command
      ->add_option("--orphan-rate", options.orphan_rate,
                   "share of orders whose payment never comes")
      ->capture_default_str();
  command
      ->add_option("--unknown-merchant-rate", options.unknown_merchant_rate,
                   "share of orders whose merchant never gets a merchant event (they wait)")
      ->capture_default_str();
  command
      ->add_option("--payout-mismatch-rate", options.payout_mismatch_rate,
                   "share of orders whose payout line has a wrong paid or refunded")
      ->capture_default_str();
  command
      ->add_option("--paid-out-twice-rate", options.paid_out_twice_rate,
                   "share of orders paid out in two payouts")
      ->capture_default_str();
  command
      ->add_option("--payout-unknown-order-rate", options.payout_unknown_order_rate,
                   "payout lines for orders kassa never saw, as a share of the orders")
      ->capture_default_str();
  command
      ->add_option("--not-paid-out-rate", options.not_paid_out_rate,
                   "share of paid orders left out of every payout")
      ->capture_default_str();
  command
      ->add_option("--bad-payout-rate", options.bad_payout_rate,
                   "payouts also sent with amount != sum of net (dead-lettered), as a share of "
                   "the orders")
      ->capture_default_str();
  command
      ->add_option("--fund-mismatch-rate", options.fund_mismatch_rate,
                   "guarantee-fund operations that do not match the payments, as a share of the "
                   "orders")
      ->capture_default_str();
  command->add_option("--from", options.from, "earliest payment time (UTC)")->capture_default_str();
  command->add_option("--to", options.to, "latest payment time (UTC)")->capture_default_str();
  command->add_flag("--kafka", to_kafka,
                    "publish to the input topics (KASSA_TOPIC_*: merchants first, then the orders' "
                    "events, then payouts)");
  command->add_option("--events", events_file,
                      "write the stream as NDJSON {topic, key, value | value_base64}");
  command->add_option("--invoicebox", invoicebox_file,
                      "write Invoicebox's state as NDJSON for `kassa state import`: API v3 orders, "
                      "then guarantee-fund operations");
  command->add_option("--truth", truth_file, "write what kassa must find (JSON)");
  command->callback([&context, &status] {
    if (!to_kafka && events_file.empty() && invoicebox_file.empty() && truth_file.empty())
      throw CLI::ValidationError(
          "gen", "nothing to do: give --kafka, --events, --invoicebox and/or --truth");
    const auto config = context.config();
    const auto output = gen::generate(options);
    if (!events_file.empty()) {
      std::vector<std::string> lines;
      for (const auto& m : output.messages) {
        nlohmann::json line = {{"topic", app::topic_for(config, m.stream)}, {"key", m.key}};
        if (contract::is_valid_utf8(m.value))
          line["value"] = m.value;
        else
          line["value_base64"] = contract::base64_encode(m.value);
        lines.push_back(line.dump());
      }
      write_lines(events_file, lines);
    }
    if (!invoicebox_file.empty()) {
      std::vector<std::string> state = output.invoicebox_state;
      state.insert(state.end(), output.fund_operations.begin(), output.fund_operations.end());
      write_lines(invoicebox_file, state);
    }
    if (!truth_file.empty()) write_lines(truth_file, {output.truth.dump(2)});
    if (to_kafka) app::publish_generated(config, output.messages, output.messages.size() > 20000);
    std::printf("kassa gen: %zu messages for %d orders (seed %llu)%s\n", output.messages.size(),
                options.orders, static_cast<unsigned long long>(options.seed),
                to_kafka ? ", published to Kafka" : "");
    status = 0;
  });
}

}  // namespace kassa::cli
