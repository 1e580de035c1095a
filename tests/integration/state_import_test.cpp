// `kassa state import` end to end: the real binary against the sandbox's database, with the
// generator's Invoicebox export plus injected bad lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../unit/raw_json.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch directory per test, removed at the end.
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const std::string& name)
      : path(fs::temp_directory_path() / ("kassa_state_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path write(const std::string& name, const std::vector<std::string>& lines) const {
    const auto file = path / name;
    std::ofstream out(file, std::ios::binary);
    for (const auto& line : lines) out << line << '\n';
    return file;
  }
};

// Runs `kassa ARGS...` with stdout and stderr captured in files (Process has no pipes). The
// arguments are our own temp paths and flags: no quoting needed beyond single quotes.
Run kassa(const Sandbox& box, const ScratchDir& dir, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env = {}) {
  std::string command = std::string("exec '") + kassa_binary() + "'";
  for (const auto& a : args) command += " '" + a + "'";
  const auto out = dir.path / "stdout", err = dir.path / "stderr";
  command += " >'" + out.string() + "' 2>'" + err.string() + "'";
  Process process({"/bin/sh", "-c", command}, Sandbox::environment(box.config, env));
  Run run;
  run.status = process.wait();
  run.out = slurp(out);
  run.err = slurp(err);
  return run;
}

struct Expected {
  core::Kopecks amount = 0;
  std::optional<core::Kopecks> vat;
  std::string status;
  bool refund = false;
};

// What the export must load, re-derived independently of the importer: raw_json keeps each
// number's text, and the last line of an id wins.
std::map<std::string, Expected> expected_rows(const std::vector<std::string>& lines) {
  std::map<std::string, Expected> rows;
  for (const auto& line : lines) {
    const auto j = parse_raw(line);
    Expected e;
    e.amount = core::parse_rubles(number_text(j.at("amount")).value()).value();
    if (j.contains("vatAmount"))
      e.vat = core::parse_rubles(number_text(j.at("vatAmount")).value()).value();
    e.status = j.at("status").get<std::string>();
    e.refund = j.contains("parentId");
    rows[j.at("id").get<std::string>()] = e;
  }
  return rows;
}

std::map<std::string, Expected> loaded_rows(Sandbox& box) {
  std::map<std::string, Expected> rows;
  for (const auto& row :
       box.query("SELECT id::text, amount, vat_amount, status, parent_id IS NOT NULL "
                 "FROM invoicebox.orders")) {
    Expected e;
    e.amount = row[1].as<core::Kopecks>();
    if (!row[2].is_null()) e.vat = row[2].as<core::Kopecks>();
    e.status = row[3].as<std::string>();
    e.refund = row[4].as<bool>();
    rows[row[0].as<std::string>()] = e;
  }
  return rows;
}

void expect_same(const std::map<std::string, Expected>& want,
                 const std::map<std::string, Expected>& got) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [id, w] : want) {
    const auto it = got.find(id);
    ASSERT_NE(it, got.end()) << id;
    EXPECT_EQ(it->second.amount, w.amount) << id;
    EXPECT_EQ(it->second.vat, w.vat) << id;
    EXPECT_EQ(it->second.status, w.status) << id;
    EXPECT_EQ(it->second.refund, w.refund) << id;
  }
}

std::vector<std::string> generated_state(int orders) {
  gen::Options options;
  options.orders = orders;
  return gen::generate(options).invoicebox_state;
}

const std::string kBadId = "00000000-0000-4000-8000-0000000000";

TEST(StateImport, LoadsEveryValidLineExactlyAndReportsEachBadLine) {
  Sandbox box("state_import");
  ScratchDir dir(box.database());
  const auto valid = generated_state(600);
  ASSERT_GT(valid.size(), 600u);

  // The bad lines, each at a known line number (1-based) and with the reason it must give.
  const std::map<std::size_t, std::pair<std::string, std::string>> bad = {
      {5, {"{\"id\":\"" + kBadId + "01\",\"status\":\"completed\",", "invalid JSON"}},
      {120,
       {"{\"id\":\"" + kBadId +
            "02\",\"status\":\"refunded\",\"amount\":10.00,"
            "\"currencyId\":\"RUB\"}",
        "unknown status \"refunded\""}},
      {300,
       {"{\"id\":\"" + kBadId +
            "03\",\"status\":\"completed\",\"amount\":1.005,"
            "\"currencyId\":\"RUB\"}",
        "amount has more than two decimals: 1.005"}},
      {valid.size() + 4,  // the last line
       {"{\"id\":\"" + kBadId +
            "04\",\"status\":\"completed\",\"amount\":10.00,"
            "\"currencyId\":\"USD\"}",
        "currencyId \"USD\" is not RUB"}},
  };
  std::vector<std::string> lines;
  std::size_t next_valid = 0;
  for (std::size_t n = 1; n <= valid.size() + bad.size(); ++n)
    lines.push_back(bad.count(n) ? bad.at(n).first : valid[next_valid++]);
  const auto file = dir.write("state.ndjson", lines);

  const auto run = kassa(box, dir, {"state", "import", file.string()});
  ASSERT_EQ(run.status, 0) << run.err << run.out;

  // Each bad line reported as FILE:LINE: reason, and nothing else on stderr for a small file.
  std::istringstream err(run.err);
  std::vector<std::string> reported;
  for (std::string line; std::getline(err, line);) reported.push_back(line);
  ASSERT_EQ(reported.size(), bad.size()) << run.err;
  std::size_t i = 0;
  for (const auto& [n, line_and_reason] : bad) {
    const std::string prefix = file.string() + ":" + std::to_string(n) + ": ";
    EXPECT_EQ(reported[i].rfind(prefix, 0), 0u) << reported[i];
    EXPECT_NE(reported[i].find(line_and_reason.second), std::string::npos) << reported[i];
    ++i;
  }

  const auto want = expected_rows(valid);
  expect_same(want, loaded_rows(box));
  core::Kopecks sum = 0, refunds = 0, paid = 0;
  std::int64_t refund_orders = 0;
  for (const auto& [id, e] : want) {
    sum += e.amount;
    if (e.refund) {
      refunds += e.amount;
      ++refund_orders;
    }
    if (!e.refund && e.status == "completed") paid += e.amount;
  }
  EXPECT_EQ(box.scalar("SELECT sum(amount) FROM invoicebox.orders"), sum);
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(amount), 0) FROM invoicebox.orders "
                       "WHERE parent_id IS NOT NULL"),
            refunds);
  EXPECT_EQ(box.scalar("SELECT sum(amount) FROM invoicebox.orders "
                       "WHERE parent_id IS NULL AND status = 'completed'"),
            paid);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM invoicebox.orders WHERE paid_at IS NOT NULL AND "
                       "status <> 'completed'"),
            0);

  const std::string summary = std::to_string(lines.size()) + " lines read, " +
                              std::to_string(want.size() - refund_orders) + " orders and " +
                              std::to_string(refund_orders) + " refund orders loaded";
  EXPECT_NE(run.out.find(summary), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4 bad lines skipped"), std::string::npos) << run.out;
}

TEST(StateImport, ANewerExportReplacesTheOlderStateAndTheLastLineOfAnIdWins) {
  Sandbox box("state_upsert");
  ScratchDir dir(box.database());
  const auto first = generated_state(200);
  ASSERT_EQ(kassa(box, dir, {"state", "import", dir.write("first.ndjson", first).string()}).status,
            0);
  const auto before = box.scalar("SELECT count(*) FROM invoicebox.orders");

  // The second export: one order changed (status and amount), one new order, and one id twice.
  std::size_t changed = 0;
  while (first[changed].find("\"parentId\"") != std::string::npos ||
         first[changed].find("\"status\":\"completed\"") == std::string::npos)
    ++changed;
  auto change = [](std::string line, const std::string& status, const std::string& amount) {
    const auto s = line.find("\"status\":\"completed\"");
    line.replace(s, 20, "\"status\":\"" + status + "\"");
    const auto a = line.find("\"amount\":") + 9;
    line.replace(a, line.find(',', a) - a, amount);
    return line;
  };
  const std::string fresh_id = kBadId + "99";
  std::string fresh = first[changed];
  fresh.replace(fresh.find(parse_raw(first[changed]).at("id").get<std::string>()), 36, fresh_id);
  const std::vector<std::string> second = {
      change(first[changed], "cancelled", "1.23"), change(fresh, "completed", "5000.10"),
      change(fresh, "completed", "5000.20"),  // the same new id again: this line wins
  };
  const auto run =
      kassa(box, dir, {"state", "import", dir.write("second.ndjson", second).string()});
  ASSERT_EQ(run.status, 0) << run.err << run.out;
  EXPECT_NE(run.out.find("(1 new, 1 replaced)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 lines repeated an earlier id"), std::string::npos) << run.out;

  const std::string changed_id = parse_raw(first[changed]).at("id").get<std::string>();
  const auto row =
      box.query("SELECT status, amount FROM invoicebox.orders WHERE id = '" + changed_id + "'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0][0].as<std::string>(), "canceled");
  EXPECT_EQ(row[0][1].as<core::Kopecks>(), 123);
  EXPECT_EQ(box.scalar("SELECT amount FROM invoicebox.orders WHERE id = '" + fresh_id + "'"),
            500020);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM invoicebox.orders"), before + 1)
      << "orders absent from the newer export stay as they were";

  // Importing the first export again restores its state exactly.
  ASSERT_EQ(kassa(box, dir, {"state", "import", dir.path.string() + "/first.ndjson"}).status, 0);
  auto want = expected_rows(first);
  auto got = loaded_rows(box);
  got.erase(fresh_id);
  expect_same(want, got);
}

TEST(StateImport, StrictLoadsNothingWhenALineIsBadAndErrorsExitNonZero) {
  Sandbox box("state_strict");
  ScratchDir dir(box.database());
  auto lines = generated_state(100);
  lines.insert(lines.begin() + 50, "{\"id\":\"" + kBadId +
                                       "05\",\"status\":\"completed\","
                                       "\"amount\":10.00,\"currencyId\":\"USD\"}");
  const auto file = dir.write("state.ndjson", lines);

  const auto strict = kassa(box, dir, {"state", "import", "--strict", file.string()});
  EXPECT_EQ(strict.status, 1) << strict.out;
  EXPECT_NE(strict.err.find(file.string() + ":51: currencyId \"USD\" is not RUB"),
            std::string::npos)
      << strict.err;
  EXPECT_NE(strict.out.find("nothing loaded"), std::string::npos) << strict.out;
  EXPECT_EQ(box.scalar("SELECT count(*) FROM invoicebox.orders"), 0);

  EXPECT_EQ(kassa(box, dir, {"state", "import"}).status, 2) << "no FILE: usage error";
  const auto missing = kassa(box, dir, {"state", "import", (dir.path / "absent").string()});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;

  // No database: an error, exit 1.
  const auto no_db = kassa(box, dir, {"state", "import", file.string()},
                           {{"KASSA_PG_DSN", "postgresql://kassa@127.0.0.1:1/kassa"}});
  EXPECT_EQ(no_db.status, 1) << no_db.err;
  EXPECT_NE(no_db.err.find("nothing loaded"), std::string::npos) << no_db.err;

  // Without --strict the same file loads everything but the bad line.
  EXPECT_EQ(kassa(box, dir, {"state", "import", file.string()}).status, 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM invoicebox.orders"),
            static_cast<std::int64_t>(expected_rows(generated_state(100)).size()));
}

}  // namespace
}  // namespace kassa::testing
