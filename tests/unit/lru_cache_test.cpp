// The bounded LRU cache every enrichment cache is built on.
#include <catch2/catch.hpp>

#include <string>

#include "util/lru_cache.hpp"

using tl::LruCache;

TEST_CASE("LRU cache keeps at most its capacity and forgets the least recently used")
{
    LruCache<int, std::string> cache(3);
    cache.put(1, "a");
    cache.put(2, "b");
    cache.put(3, "c");
    REQUIRE(cache.get(1) == "a"); // 1 is now the most recent
    cache.put(4, "d");            // evicts 2
    CHECK(cache.size() == 3);
    CHECK_FALSE(cache.get(2).has_value());
    CHECK(cache.get(1) == "a");
    CHECK(cache.get(3) == "c");
    CHECK(cache.get(4) == "d");
    CHECK(cache.evictions() == 1);
}

TEST_CASE("LRU cache put on an existing key replaces without growing")
{
    LruCache<int, int> cache(2);
    cache.put(1, 10);
    cache.put(1, 11);
    CHECK(cache.size() == 1);
    CHECK(cache.get(1) == 11);
    cache.erase(1);
    CHECK(cache.size() == 0);
    CHECK_FALSE(cache.get(1).has_value());
}

TEST_CASE("LRU cache stays bounded over a million distinct keys")
{
    LruCache<std::uint64_t, std::uint64_t> cache(1000);
    for (std::uint64_t i = 0; i < 1'000'000; ++i) {
        cache.put(i, i);
        REQUIRE(cache.size() <= 1000);
    }
    CHECK(cache.size() == 1000);
    CHECK(cache.get(999'999) == 999'999u);
    CHECK_FALSE(cache.get(0).has_value());
    CHECK(cache.evictions() == 999'000u);
}

TEST_CASE("LRU cache of capacity 0 still holds one entry rather than none")
{
    LruCache<int, int> cache(0);
    cache.put(1, 1);
    CHECK(cache.size() == 1);
}
