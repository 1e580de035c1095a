// `kassa documents show ORDER_ID [--json]`: an order's document packages.
// `kassa documents render PACKAGE_ID --out DIR [--issued]`: a package's files, rendered again
//   from its stored message (and compared with the sha256 it was issued with), or as issued.
// `kassa documents check`: every package against schemas/package.v1.json, and every numbering
//   sequence gapless and unique (exit 1 on any failure).
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/document_folder.hpp"
#include "cli/commands.hpp"
#include "contract/encoding.hpp"
#include "contract/package_json.hpp"
#include "contract/schema.hpp"
#include "core/money.hpp"
#include "render/package_files.hpp"
#include "store/database.hpp"
#include "store/document_store.hpp"

namespace kassa::cli {
namespace {

void require_uuid(const std::string& name, const std::string& value) {
  if (!contract::is_uuid(value)) throw CLI::ValidationError(name, "not a UUID: " + value);
}

void print_package(const store::StoredPackage& stored) {
  const core::Package package = contract::package_from_json(stored.body);
  const auto files = contract::files_from_json(stored.body);
  std::printf("%s %s%s  %s  %s RUB  buyer %s, INN %s%s%s\n", stored.kind.c_str(),
              stored.issued ? "" : " (numbered, files being rendered)", stored.package_id.c_str(),
              stored.issued_at.c_str(), core::format_rubles(package.total).c_str(),
              package.buyer.name.c_str(), package.buyer.inn.c_str(),
              package.buyer.kpp.empty() ? "" : ", KPP ", package.buyer.kpp.c_str());
  for (std::size_t d = 0; d < package.documents.size(); ++d) {
    const auto& doc = package.documents[d];
    std::printf("  %-13s No %-6lld %s  %6zu lines  total %14s  VAT %12s  %s%s%s\n",
                std::string(core::document_type_name(doc.type)).c_str(),
                static_cast<long long>(doc.number), core::format_date(doc.date).c_str(),
                doc.lines.size(), core::format_rubles(doc.total).c_str(),
                core::format_rubles(doc.vat).c_str(), files[d].pdf_name.c_str(),
                files[d].xml_name.empty() ? "" : ", ", files[d].xml_name.c_str());
  }
}

// Gaps and repeats in the numbering sequences: each must hold exactly 1..n.
std::vector<std::string> numbering_problems(pqxx::transaction_base& tx) {
  std::vector<std::string> out;
  for (const auto& row :
       tx.exec("SELECT d.merchant_id::text, d.document_type, d.year, count(*), "
               "  count(DISTINCT d.number), min(d.number), max(d.number), "
               "  coalesce(max(c.last_number), 0) "
               "FROM kassa.documents d LEFT JOIN kassa.document_counters c "
               "  USING (merchant_id, document_type, year) "
               "GROUP BY 1, 2, 3 "
               "HAVING count(*) <> count(DISTINCT d.number) OR min(d.number) <> 1 "
               "  OR max(d.number) <> count(*) OR coalesce(max(c.last_number), 0) <> count(*) "
               "ORDER BY 1, 2, 3"))
    out.push_back("merchant " + row[0].as<std::string>() + " " + row[1].as<std::string>() + " " +
                  row[2].as<std::string>() + ": " + row[3].as<std::string>() + " documents, " +
                  row[4].as<std::string>() + " distinct numbers from " + row[5].as<std::string>() +
                  " to " + row[6].as<std::string>() + ", counter at " + row[7].as<std::string>());
  return out;
}

}  // namespace

void add_documents(CLI::App& app, const Context& context, int& status) {
  auto* documents =
      app.add_subcommand("documents", "document packages kassa has issued to organization buyers");
  documents->require_subcommand(1);

  auto* show = documents->add_subcommand(
      "show", "an order's packages: documents, numbers, dates, totals, VAT and files");
  static std::string order_id;
  static bool as_json = false;
  show->add_option("ORDER_ID", order_id, "Invoicebox order id (UUID)")->required();
  show->add_flag("--json", as_json, "print each package's message as published, one per line");
  show->callback([&context, &status] {
    require_uuid("ORDER_ID", order_id);
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    const auto packages = store::packages_of_order(database.connection(), order_id);
    for (const auto& p : packages) {
      if (as_json)
        std::printf("%s\n", p.body.c_str());
      else
        print_package(p);
    }
    if (packages.empty() && !as_json) std::printf("no packages for order %s\n", order_id.c_str());
    status = 0;
  });

  auto* render = documents->add_subcommand(
      "render",
      "write a package's files (PDF, FNS XML) to a folder, rendered again from the "
      "stored package and compared with the sha256 it was issued with");
  static std::string package_id, out_dir;
  static bool issued = false;
  render->add_option("PACKAGE_ID", package_id, "package id (UUID)")->required();
  render->add_option("--out", out_dir, "folder to write the files to")->required();
  render->add_flag("--issued", issued,
                   "write the files exactly as issued (stored in PostgreSQL) instead of "
                   "rendering them again");
  render->callback([&context, &status] {
    require_uuid("PACKAGE_ID", package_id);
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    const auto stored = store::package_by_id(database.connection(), package_id);
    if (!stored) {
      std::fprintf(stderr, "kassa documents render: no package %s\n", package_id.c_str());
      status = 1;
      return;
    }
    std::vector<store::StoredFile> files;
    if (issued && !stored->issued) {
      std::fprintf(stderr,
                   "kassa documents render: package %s is not issued yet (its files are "
                   "being rendered); run without --issued to render them here\n",
                   package_id.c_str());
      status = 1;
      return;
    }
    if (issued) {
      pqxx::read_transaction tx(database.connection());
      files = store::package_files(tx, package_id);
    } else {
      render::RenderOptions options;
      options.font_dir = config.font_dir;
      core::Package package = contract::package_from_json(stored->body);
      if (!stored->issued) {
        // Not drawn yet: take the EDO ids and the signer as the renderer would now.
        pqxx::read_transaction tx(database.connection());
        package.principal_edo_id =
            store::merchant_edo_id(tx, package.merchant_id, package.issued_at);
        package.agent_edo_id = config.seller_edo_id;
        package.signer = config.signer;
      }
      for (auto& f : render::render_package(package, options))
        files.push_back({f.name, f.media_type, f.sha256, std::move(f.bytes)});
    }
    app::place_files(out_dir, files);
    // What the package message promised, by file name.
    std::map<std::string, std::string> promised;
    for (const auto& f : contract::files_from_json(stored->body)) {
      promised[f.pdf_name] = f.pdf_sha256;
      if (!f.xml_name.empty()) promised[f.xml_name] = f.xml_sha256;
    }
    int differing = 0;
    for (const auto& f : files) {
      const std::string sha = contract::sha256_hex(f.bytes);
      const bool same = promised.count(f.name) && promised[f.name] == sha;
      differing += same || !stored->issued ? 0 : 1;
      std::printf("%s  %8zu bytes  sha256 %s  %s\n",
                  (std::filesystem::path(out_dir) / f.name).string().c_str(), f.bytes.size(),
                  sha.c_str(),
                  !stored->issued ? "(not issued yet)"
                  : same          ? "as issued"
                                  : "DIFFERS from the issued file");
    }
    if (differing > 0)
      std::fprintf(stderr,
                   "kassa documents render: %d file(s) differ from those issued (renderer or font "
                   "changed?); --issued writes the files as issued\n",
                   differing);
    status = differing == 0 ? 0 : 1;
  });

  auto* check = documents->add_subcommand(
      "check",
      "validate every package against schemas/package.v1.json and every numbering "
      "sequence (1..n, no gaps, no repeats) (exit 1 on any failure)");
  check->callback([&context, &status] {
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    contract::SchemaValidator schema("package.v1.json");
    std::int64_t checked = 0, failed = 0;
    // Issued packages only: one being rendered has no files, nor its message, yet.
    store::for_each_body(database.connection(), "kassa.packages", "package_id", "state = 'issued'",
                         [&](const std::string& id, const char* text) {
                           ++checked;
                           std::string problem;
                           try {
                             if (auto p = schema.problems(nlohmann::json::parse(text)))
                               problem = *p;
                             else
                               contract::package_from_json(text);
                           } catch (const std::exception& e) {
                             problem = e.what();
                           }
                           if (!problem.empty() && ++failed <= 10)
                             std::fprintf(stderr, "package %s: %s\n", id.c_str(), problem.c_str());
                         });
    const std::int64_t rendering = store::count_rendering(database.connection());
    pqxx::read_transaction tx(database.connection());
    const auto gaps = numbering_problems(tx);
    for (const auto& g : gaps) std::fprintf(stderr, "numbering: %s\n", g.c_str());
    const auto sequences =
        tx.exec1("SELECT count(*), coalesce(sum(last_number), 0) FROM kassa.document_counters");
    std::printf(
        "kassa documents check: %lld packages, %lld valid, %lld invalid, %lld being rendered; %s "
        "sequences holding %s numbers, %zu with gaps or repeats\n",
        static_cast<long long>(checked), static_cast<long long>(checked - failed),
        static_cast<long long>(failed), static_cast<long long>(rendering), sequences[0].c_str(),
        sequences[1].c_str(), gaps.size());
    status = failed == 0 && gaps.empty() ? 0 : 1;
  });
}

}  // namespace kassa::cli
