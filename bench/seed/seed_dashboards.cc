// seed_dashboards: fills a stopped server's database with N dashboards for
// one organization, through storage::ResourceStore (the same encoding and
// keys the server writes), so `make bench` can measure list pages of an
// organization with 100,000 dashboards without spending minutes on POSTs.
//
//   seed_dashboards <data-dir> <org-id> <created-by-user-id> <count>
//
// Each dashboard looks like one a user builds: a name, a description and two
// widgets with analytics queries (~800 bytes of JSON), so a page of 20 is
// about the 16 KB the benchmark targets. Writes go in synced batches of
// 10,000 with ids from the database's sequence.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "model/resources.h"
#include "storage/database.h"
#include "storage/resource_store.h"

int main(int argc, char** argv) {
  using namespace claribi;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <data-dir> <org-id> <created-by-user-id> <count>\n", argv[0]);
    return 2;
  }
  storage::DatabaseOptions opts;
  opts.path = std::string(argv[1]) + "/db";
  uint64_t org = std::strtoull(argv[2], nullptr, 10);
  uint64_t user = std::strtoull(argv[3], nullptr, 10);
  long count = std::strtol(argv[4], nullptr, 10);
  auto db = storage::Database::Open(opts);
  if (!db.ok()) {
    std::fprintf(stderr, "seed_dashboards: %s\n", db.status().message().c_str());
    return 1;
  }
  storage::ResourceStore store(*db.value(), nullptr);
  static const char* kTopics[] = {"Revenue", "Marketing Funnel", "Churn", "Pipeline", "Support", "Inventory"};
  int64_t now = std::time(nullptr);
  storage::Batch batch;
  for (long i = 0; i < count; ++i) {
    model::Dashboard d;
    d.id = store.AllocateId(storage::Sequence::kDashboard);
    d.org_id = org;
    d.created_by = user;
    d.created_at = d.updated_at = now - (count - i);
    d.name = std::string(kTopics[i % 6]) + " dashboard " + std::to_string(i);
    d.description = "Weekly numbers for the " + std::string(kTopics[i % 6]) + " team, by region and channel.";
    d.widgets_json =
        R"([{"id":"w1","type":"kpi","title":"Total revenue","query":{"data_source_id":3,"metrics":[{"op":"sum","field":"revenue","as":"revenue"}],"time":{"field":"ts","granularity":"day","from":"2025-01-01T00:00:00Z","to":"2025-02-01T00:00:00Z"}},"position":{"x":0,"y":0,"w":4,"h":2}},)"
        R"({"id":"w2","type":"bar","title":"Revenue by region","query":{"data_source_id":3,"metrics":[{"op":"sum","field":"revenue","as":"revenue"},{"op":"count"}],"dimensions":["region"],"filters":[{"field":"country","op":"in","value":["DE","FR"]}],"order_by":[{"field":"revenue","dir":"desc"}],"limit":100},"position":{"x":4,"y":0,"w":8,"h":4}}])";
    storage::ResourceStore::Put(batch, d);
    if (batch.count() == 10000 || i + 1 == count) {
      if (auto st = store.Write(batch); !st.ok()) {
        std::fprintf(stderr, "seed_dashboards: %s\n", st.message().c_str());
        return 1;
      }
      batch.Clear();
    }
  }
  return 0;
}
