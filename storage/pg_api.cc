#include "storage/pg_api.h"

#include <dlfcn.h>

#include <mutex>

namespace claribi::storage {

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

struct Loaded {
  PgApi api;
  std::string why;  // empty: loaded
};

Loaded load() {
  Loaded l;
  void* h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL | kDeepBind);
  if (h == nullptr) {
    const char* e = dlerror();
    l.why = std::string("cannot load libpq (install libpq5): ") + (e != nullptr ? e : "dlopen failed");
    return l;
  }
#define CLARIBI_PQ_LOAD(name)                                                \
  l.api.name = reinterpret_cast<decltype(l.api.name)>(dlsym(h, #name));      \
  if (l.api.name == nullptr && l.why.empty()) l.why = "libpq lacks " #name " (libpq 14 or later is needed)";
  CLARIBI_PQ_FUNCTIONS(CLARIBI_PQ_LOAD)
#undef CLARIBI_PQ_LOAD
  return l;  // the handle stays open for the life of the process
}

}  // namespace

const PgApi* pg_api(std::string* why) {
  static const Loaded loaded = load();
  if (!loaded.why.empty()) {
    *why = loaded.why;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace claribi::storage
