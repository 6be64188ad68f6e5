// Binary encoding of the BI records (data sources, dashboards, reports) in
// RocksDB values, with the primitives and rules of record_codec.h: byte 0 is
// the format version (currently 1), then the fields in declaration order
// (the ResourceHeader first); append fields and bump the version to evolve a
// record, decode() keeps accepting older versions and rejects newer ones.
// The JSON parts are stored as their canonical text.
#pragma once

#include <string>
#include <string_view>

#include "model/resources.h"

namespace claribi::storage {

// 2: reports gained scheduled_through (version-1 reports read it as 0).
inline constexpr unsigned char kResourceFormatVersion = 2;

void encode(const model::DataSource& r, std::string* out);
void encode(const model::Dashboard& r, std::string* out);
void encode(const model::Report& r, std::string* out);

bool decode(std::string_view in, model::DataSource* out);
bool decode(std::string_view in, model::Dashboard* out);
bool decode(std::string_view in, model::Report* out);

void encode(const model::ReportRun& r, std::string* out);
bool decode(std::string_view in, model::ReportRun* out);

}  // namespace claribi::storage
