// memo_cache.h — memoisation for the chip's per-tile costs: streamed tiles
// alternate between two tile buffers and repeat their patterns, so the last
// two answers are checked before the hash map (most lookups end there).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace htx {

// The last two (key, value) pairs put, replaced alternately.
template <size_t N, typename V>
class RecentCache {
public:
    using Key = std::array<uint64_t, N>;
    const V *find(const Key &k) const
    {
        for (int i = 0; i < 2; i++)
            if (valid_[i] && key_[i] == k) return &value_[i];
        return nullptr;
    }
    const V &put(const Key &k, const V &v)
    {
        const int i = next_;
        key_[i] = k;
        value_[i] = v;
        valid_[i] = true;
        next_ ^= 1;
        return value_[i];
    }

private:
    Key key_[2]{};
    V value_[2]{};
    bool valid_[2] = {false, false};
    int next_ = 0;
};

// Every answer ever computed (hashed, not ordered), behind a RecentCache.
template <size_t N, typename V>
class MemoCache {
public:
    using Key = std::array<uint64_t, N>;
    // The value of `k`, computed by `compute()` the first time it is asked for.
    template <typename F>
    const V &get(const Key &k, F compute)
    {
        if (const V *r = recent_.find(k)) return *r;
        auto it = all_.find(k);
        if (it == all_.end()) it = all_.emplace(k, compute()).first;
        return recent_.put(k, it->second);
    }

private:
    struct KeyHash {
        size_t operator()(const Key &k) const
        {
            uint64_t h = 0x9e3779b97f4a7c15ull;
            for (uint64_t v : k) h = (h ^ v) * 0xff51afd7ed558ccdull;  // multiply-xor mix; any hash is exact
            return static_cast<size_t>(h ^ (h >> 32));
        }
    };
    std::unordered_map<Key, V, KeyHash> all_;
    RecentCache<N, V> recent_;
};

}  // namespace htx
