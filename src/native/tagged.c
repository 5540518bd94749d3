/* Which externals are ours, and of what kind: a table of every external the addon made (its data pointer and
 * type tag), filled when one is made and emptied by its finalizer. arg_tagged looks an argument's pointer up
 * here, which costs a hash probe, where napi_check_object_type_tag costs a private-property lookup in V8 on
 * every call into the addon (a few per media packet). A pointer the table does not hold is refused before it is
 * ever dereferenced, so a foreign or stale external never reaches our code. All on the JavaScript thread. */
#include <stdint.h>
#include <stdlib.h>

#include "portunus.h"

typedef struct {
  void *data; /* NULL: empty; TOMBSTONE: removed */
  const napi_type_tag *tag;
  napi_finalize finalize;
} tagged_entry;

static tagged_entry *table;
static size_t capacity; /* a power of two, or 0 */
static size_t used;     /* entries that are not empty (live and tombstones) */
static char tombstone_mark;
#define TOMBSTONE ((void *)&tombstone_mark)

static size_t slot_of(const void *data) { return (size_t)(((uintptr_t)data >> 4) * 0x9e3779b97f4a7c15ULL); }

static tagged_entry *find(const void *data) {
  if (capacity == 0) return NULL;
  for (size_t i = slot_of(data) & (capacity - 1), n = 0; n < capacity; i = (i + 1) & (capacity - 1), n++) {
    if (table[i].data == NULL) return NULL;
    if (table[i].data == data) return &table[i];
  }
  return NULL;
}

static bool grow(void) {
  size_t next = capacity ? capacity * 2 : 64;
  tagged_entry *fresh = calloc(next, sizeof *fresh);
  if (!fresh) return false;
  size_t live = 0;
  for (size_t i = 0; i < capacity; i++) {
    void *d = table[i].data;
    if (d == NULL || d == TOMBSTONE) continue;
    size_t j = slot_of(d) & (next - 1);
    while (fresh[j].data) j = (j + 1) & (next - 1);
    fresh[j] = table[i];
    live++;
  }
  free(table);
  table = fresh;
  capacity = next;
  used = live;
  return true;
}

static bool remember(void *data, const napi_type_tag *tag, napi_finalize finalize) {
  /* At most half full, tombstones counted: a probe always ends at an empty slot. */
  if ((used + 1) * 2 > capacity && !grow()) return false;
  size_t i = slot_of(data) & (capacity - 1);
  while (table[i].data && table[i].data != TOMBSTONE) i = (i + 1) & (capacity - 1);
  if (table[i].data == NULL) used++;
  table[i] = (tagged_entry){data, tag, finalize};
  return true;
}

static void tagged_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  tagged_entry *e = find(data);
  if (!e) return;
  napi_finalize finalize = e->finalize;
  e->data = TOMBSTONE;
  e->tag = NULL;
  e->finalize = NULL;
  if (finalize) finalize(env, data, NULL);
}

bool make_tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag, napi_value *result) {
  if (!remember(data, tag, finalize)) return false;
  if (napi_create_external(env, data, tagged_finalize, NULL, result) != napi_ok) {
    tagged_entry *e = find(data);
    if (e) e->data = TOMBSTONE;
    return false;
  }
  return true;
}

void *arg_tagged(napi_env env, napi_value value, const napi_type_tag *tag, const char *what) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) == napi_ok && type == napi_external && napi_get_value_external(env, value, &data) == napi_ok && data) {
    tagged_entry *e = find(data);
    if (e && e->tag && e->tag->lower == tag->lower && e->tag->upper == tag->upper) return data;
  }
  napi_throw_type_error(env, NULL, what);
  return NULL;
}
