// Shared by the policy integration tests: policy files on disk and running
// `trace-listen check` / `baseline save` as a CI job would.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/tracer_process.hpp"
#include "support/temp_dir.hpp"

namespace tl::test {

// A file under /tmp, removed when the test ends.
struct CommandResult {
    int exit_code = -1;
    std::string out, err;
    Json report; // stdout parsed as JSON, null when it is not JSON
};

// Runs trace-listen with `args` to completion.
inline CommandResult run_command(const std::vector<std::string> &args)
{
    TracerProcess process(args, false);
    CommandResult r;
    r.exit_code = process.wait(120s);
    r.out = process.out();
    r.err = process.err();
    r.report = Json::parse(r.out, nullptr, false);
    if (r.report.is_discarded())
        r.report = nullptr;
    return r;
}

inline std::vector<std::string> port_filters(const std::vector<int> &ports)
{
    std::vector<std::string> args;
    for (int p : ports) {
        args.push_back("--port");
        args.push_back(std::to_string(p));
    }
    return args;
}

// `check --policy FILE -o json --port P...`; scoped to this test's ports because
// other tests on this machine open listeners at the same time.
inline CommandResult run_check(const std::string &policy, const std::vector<int> &ports,
                               std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"check", "--policy", policy, "-o", "json"};
    for (auto &a : port_filters(ports))
        args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_command(args);
}

// The findings of a JSON report about `port`.
inline std::vector<Json> findings_on(const Json &report, int port)
{
    std::vector<Json> found;
    if (report.is_object())
        for (const auto &f : report["findings"])
            if (f.value("/server/port"_json_pointer, -1) == port)
                found.push_back(f);
    return found;
}

} // namespace tl::test
