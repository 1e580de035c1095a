// Numbering and rendering of a batch's document packages, inside the batch's transaction:
// the counters are locked there, the numbers given from them, each document rendered (PDF, and
// FNS XML for the act and TORG-12), and the package message queued in the outbox, all committed
// together with the event that caused them or not at all.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "ingest/batch.hpp"
#include "render/package_files.hpp"

namespace kassa::app {

// Fills result.counters, result.package_writes and the packages' outbox rows (topic `topic`).
void issue_packages(pqxx::work& tx, ingest::BatchResult& result, const std::string& topic,
                    const render::RenderOptions& options);

// The same, given the counters instead of locking them: what issue_packages does after the lock.
void number_and_render(ingest::BatchResult& result, core::Counters last, const std::string& topic,
                       const render::RenderOptions& options);

}  // namespace kassa::app
