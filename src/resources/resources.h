// Resources: the three BI record services the server runs, built together
// and loaded together at start-up.
#pragma once

#include "model/resources.h"
#include "resources/resource_service.h"
#include "storage/resource_store.h"

namespace claribi::resources {

struct Renderers {
  ResourceService<model::DataSource>::RenderFn data_source;
  ResourceService<model::Dashboard>::RenderFn dashboard;
  ResourceService<model::Report>::RenderFn report;
};

class Resources {
 public:
  Resources(storage::ResourceStore& store, const Renderers& render)
      : store_(store), data_sources(store, render.data_source), dashboards(store, render.dashboard),
        reports(store, render.report) {}

  // The records' store, for what lives beside them (a report's runs).
  storage::ResourceStore& store() const { return store_; }

  Status load() {
    if (Status s = data_sources.load(); !s.ok()) return s;
    if (Status s = dashboards.load(); !s.ok()) return s;
    return reports.load();
  }

 private:
  storage::ResourceStore& store_;

 public:
  ResourceService<model::DataSource> data_sources;
  ResourceService<model::Dashboard> dashboards;
  ResourceService<model::Report> reports;
};

}  // namespace claribi::resources
