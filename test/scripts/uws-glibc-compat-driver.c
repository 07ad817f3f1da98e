/* Calls the glibc compatibility shim's functions (test/scripts/uws-glibc-compat.test.ts).
 * Prints one "name value end" line per case: the value, and how many bytes were read. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

long __isoc23_strtol(const char *, char **, int);
unsigned long __isoc23_strtoul(const char *, char **, int);
int __isoc23_sscanf(const char *, const char *, ...);
uint32_t arc4random(void);
struct dfo { unsigned long long flags; void *start, *end, *link_map, *eh_frame; unsigned long long reserved[7]; };
int _dl_find_object(void *, struct dfo *);

static void strtol_case(const char *s, int base) {
  char *end;
  errno = 0;
  long v = __isoc23_strtol(s, &end, base);
  printf("strtol %s/%d %ld %ld %d\n", s, base, v, (long)(end - s), errno);
}

static void strtoul_case(const char *s, int base) {
  char *end;
  errno = 0;
  unsigned long v = __isoc23_strtoul(s, &end, base);
  printf("strtoul %s/%d %lu %ld %d\n", s, base, v, (long)(end - s), errno);
}

int main(void) {
  strtol_case("0b101", 0);
  strtol_case(" -0B11x", 2);
  strtol_case("0b102", 10);
  strtol_case("0b", 0);
  strtol_case("0x1f", 0);
  strtol_case("42", 10);
  strtol_case("0b1000000000000000000000000000000000000000000000000000000000000000", 0);
  strtoul_case("0b1111", 0);
  strtoul_case("-0b1", 2);
  strtoul_case("017", 0);
  unsigned long lu = 0, lx = 0;
  int n = __isoc23_sscanf("123 ff", "%lu %lx", &lu, &lx);
  printf("sscanf %d %lu %lu\n", n, lu, lx);
  uint32_t a = arc4random(), b = arc4random(), c = arc4random();
  printf("arc4random %d\n", !(a == b && b == c));
  struct dfo found;
  int r = _dl_find_object((void *)&main, &found);
  printf("dl_find_object %d %d %d\n", r,
    r == 0 && (char *)found.start <= (char *)&main && (char *)&main < (char *)found.end,
    r == 0 && found.eh_frame != NULL && found.link_map != NULL);
  printf("dl_find_object_miss %d\n", _dl_find_object((void *)16, &found));
  return 0;
}
