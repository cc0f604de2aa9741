#!/usr/bin/env python3
"""The man page (docs/trace-listen.8) and --help cannot drift: for every command,
the flags its --help lists are exactly the flags the man page documents for it.
The bash completion's flag lists are held to the same standard.
Usage: man_page_test.py TRACE_LISTEN_BINARY MAN_PAGE BASH_COMPLETION"""
import re
import subprocess
import sys

binary, man_path, completion_path = sys.argv[1], sys.argv[2], sys.argv[3]

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)")


def help_flags(command):
    text = subprocess.run([binary, *command, "--help"], capture_output=True, text=True,
                          check=True, env={"TRACE_LISTEN_CONFIG": "/nonexistent"}).stdout
    flags = set()
    in_options = False
    for line in text.splitlines():
        if line.startswith(("Options:", "Common:")):
            in_options = True
            continue
        if in_options and line and not line.startswith(" "):
            in_options = False
        # An option line: two spaces, then -x,--long or --long; descriptions are indented deeper.
        m = re.match(r"^  (-[\w-]+(?:,--?[\w-]+)*)", line) if in_options else None
        if m:
            flags.update(m.group(1).split(","))
    return flags


def completion_flags(path):
    flags = {}
    for m in re.finditer(r"^_trace_listen_flags_(\w+)='([^']*)'", open(path).read(), re.M):
        flags[m.group(1)] = set(m.group(2).split())
    return flags


def man_sections(path):
    """Flags named in each .SH/.SS section's .TP tags (the line after .TP)."""
    sections, current, take_next = {}, None, False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith((".SH ", ".SS ")):
            current = line[4:].strip().strip('"')
            sections.setdefault(current, set())
        elif line == ".TP":
            take_next = True
        elif take_next:
            take_next = False
            tag = re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-")
            tag = re.sub(r"^\.(BR|BI|B|IR|I)\s+", "", tag)
            tag = tag.replace("\"", " ")
            for flag in FLAG.findall(tag):
                sections[current].add(flag)
    return sections


man = man_sections(man_path)
completion = completion_flags(completion_path)
help_only = {"-h", "--help"}
common = man["COMMON OPTIONS"]
commands = {
    (): common | man["GLOBAL OPTIONS"] | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["Tracing"],
    ("snapshot",): help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["snapshot"],
    ("record",): help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["Tracing"] | man["record"],
    ("replay",): help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["replay"],
    ("check",): help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["check"],
    ("baseline",): help_only | common,
    ("baseline", "save"): help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["baseline save"],
}
failed = False
# top takes a subset of the trace's flags: each must be documented there.
top_shown = help_flags(["top"])
for flag in sorted(top_shown - (help_only | common | man["Filters (also for snapshot, record, replay, check and baseline save)"] | man["Tracing"])):
    print(f"top: {flag} is in --help but not in the man page")
    failed = True
if "top" not in man or top_shown ^ completion.get("top", set()):
    print("top: no man page section, or its bash completion differs from --help")
    failed = True
for command, documented in commands.items():
    shown = help_flags(list(command))
    name = " ".join(command) or "(trace)"
    for flag in sorted(shown - documented):
        print(f"{name}: {flag} is in --help but not in the man page")
        failed = True
    for flag in sorted(documented - shown):
        print(f"{name}: {flag} is in the man page but not in --help")
        failed = True
    key = "_".join(command) or "trace"
    if key in completion:
        for flag in sorted(shown ^ completion[key]):
            print(f"{name}: {flag} differs between --help and the bash completion")
            failed = True
    elif command != ("baseline",):
        print(f"{name}: no flag list in the bash completion")
        failed = True
    print(f"{name}: {len(shown)} flags checked")
sys.exit(1 if failed else 0)
