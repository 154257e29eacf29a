#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over every .cc file under src/, or over the files given, with the
# compile commands of the asan build (build/asan/compile_commands.json, written by
# `cmake --preset asan`), and fails on any warning. scripts/test.sh runs it after the build.
#   scripts/clang-tidy.sh [FILE.cc...]
#
# clang-tidy takes seconds per file, so a file that passed is not checked again while nothing
# that decides its result has changed: the key of a pass is a hash of this script, the
# clang-tidy version, the .clang-tidy files, the file's compile command, its preprocessed text
# (every header it includes, every macro definition) and the raw text of the project files it
# includes (comments, where NOLINT lives). The clone's absolute path is replaced in all of them,
# so a fresh clone elsewhere (as CI makes) reuses the passes of an earlier one. Passes are empty
# files named by their key in ~/.cache/cipette-clang-tidy (or $CIPETTE_CLANG_TIDY_CACHE); a file
# with warnings is never stored, so it is checked again on every run. docs/decisions.md says why
# this is sound.
set -euo pipefail
cd "$(dirname "$0")/.."
self="$PWD/scripts/clang-tidy.sh"

log() { echo "clang-tidy: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- One file (run by xargs below, in parallel): writes $work/$index.status and .out. ---------
if [[ "${1:-}" == --one ]]; then
  index="$2"
  base="$CIPETTE_TIDY_WORK/$index"
  file="$(cat "$base.file")"
  directory="$(cat "$base.dir")"
  mapfile -d '' argv <"$base.argv"

  # The project files (under the clone) that a preprocessed text includes, from its line markers.
  project_files() {
    sed -n 's/^# [0-9]* "\(.*\)".*$/\1/p' "$base.i" | grep -F "$CIPETTE_TIDY_ROOT/" | sort -u
  }
  # A hash of their raw text, each under its path relative to the clone.
  project_digest() {
    local path
    while IFS= read -r path; do
      printf '%s\n' "${path#"$CIPETTE_TIDY_ROOT"/}"
      cat "$path"
    done < <(project_files) | sha256sum
  }

  # A text that fails to preprocess gets no key: clang-tidy reports the error, nothing is stored.
  key=""
  if (cd "$directory" && "${argv[@]}") >"$base.i" 2>/dev/null; then
    digest="$(project_digest)"
    key="$(
      {
        printf '%s\n' "$CIPETTE_TIDY_COMMON_KEY" "$digest"
        cat "$base.flags"
        sed "s|$CIPETTE_TIDY_ROOT_PATTERN/|@ROOT@/|g" "$base.i"
      } | sha256sum | cut -d' ' -f1
    )"
  fi
  if [[ -n "$key" && -e "$CIPETTE_TIDY_CACHE/$key" ]]; then
    touch "$CIPETTE_TIDY_CACHE/$key" # kept while it is used (see the pruning below)
    echo cached >"$base.status"
  else
    rc=0
    clang-tidy -p "$CIPETTE_TIDY_BUILD" --quiet "$file" >"$base.out" 2>"$base.err" || rc=$?
    if ((rc == 0)) && [[ ! -s "$base.out" ]]; then
      # Stored only if no project file changed while clang-tidy read them (an edit meanwhile):
      # the pass must belong to the text the key was made of.
      if [[ -n "$key" && "$(project_digest)" == "$digest" ]]; then
        : >"$CIPETTE_TIDY_CACHE/$key"
      fi
      echo passed >"$base.status"
    else
      # No diagnostics but a failure (a crash, an unknown flag): its standard error says why.
      [[ -s "$base.out" ]] || cat "$base.err" >"$base.out"
      echo failed >"$base.status"
    fi
  fi
  rm -f "$base.i"
  exit 0
fi

# --- All files. -------------------------------------------------------------------------------
build=build/asan
[[ -f "$build/compile_commands.json" ]] ||
  die "no $build/compile_commands.json; run \`cmake --preset asan\` first"
command -v clang-tidy >/dev/null || die "clang-tidy is missing; run scripts/setup.sh --test"
# Preprocess with the clang of clang-tidy's own LLVM (its headers and predefined macros, not
# GCC's, which the compile commands name): that is the text clang-tidy parses.
clangxx="$(dirname "$(readlink -f "$(command -v clang-tidy)")")/clang++"
[[ -x "$clangxx" ]] || die "no $clangxx next to clang-tidy"
[[ -f .clang-tidy ]] || die "no .clang-tidy" # without it, clang-tidy would look above the clone

# The clone's path as CMake wrote it into the compile commands.
root="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")"
[[ -n "$root" ]] || die "no CMAKE_HOME_DIRECTORY in $build/CMakeCache.txt"

if (($#)); then
  files=("$@")
else
  mapfile -t files < <(find src -name '*.cc' | sort)
fi

cache="${CIPETTE_CLANG_TIDY_CACHE:-$HOME/.cache/cipette-clang-tidy}"
mkdir -p "$cache"
# Passes not used for 30 days belong to sources long gone.
find "$cache" -type f -mtime +30 -delete

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Everything that decides every file's result alike. The version string does not change with a
# rebuild of the same version (a Debian revision), so the binary and the libraries it loads are
# named by size and time too. The .clang-tidy files are those clang-tidy may read for a file
# under src/ (the nearest one above it; the top one inherits nothing).
tidy="$(readlink -f "$(command -v clang-tidy)")"
common_key="$(
  {
    cat "$self"
    clang-tidy --version
    # shellcheck disable=SC2046 # one library path a word
    stat -L -c '%n %s %Y' "$tidy" $(ldd "$tidy" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
    "$clangxx" --version
    while IFS= read -r config; do
      printf '%s\n' "$config"
      cat "$config"
    done < <({
      echo ./.clang-tidy
      find src -name .clang-tidy
    } | sort)
  } | sha256sum | cut -d' ' -f1
)"

# Each file's compile command: the argv that preprocesses it (the compiler replaced by clang++,
# -c and -o dropped) and its command with the clone's path replaced (part of its key). Python 3
# comes with clang-tidy (run-clang-tidy is written in it).
python3 - "$build/compile_commands.json" "$root" "$clangxx" "$work" "${files[@]}" <<'EOF'
import json, os, shlex, sys

database, root, clangxx, work, *files = sys.argv[1:]
entries = {}
for entry in json.load(open(database)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    entries[path] = entry
for index, file in enumerate(files):
    path = os.path.normpath(os.path.join(root, file))
    if path not in entries:
        sys.exit(f"clang-tidy: error: {file} is not in {database} (not built by CMake?)")
    entry = entries[path]
    args = entry.get("arguments") or shlex.split(entry["command"])
    flags = "\n".join([entry["directory"], *args]).replace(root + "/", "@ROOT@/")
    cpp, skip = [clangxx], False
    for arg in args[1:]:
        if skip:
            skip = False
        elif arg == "-o":
            skip = True
        elif arg != "-c" and not arg.startswith("-o"):
            cpp.append(arg)
    cpp += ["-E", "-dD", "-o", "-"]
    base = os.path.join(work, str(index))
    for suffix, text in ((".file", path), (".dir", entry["directory"]), (".flags", flags)):
        with open(base + suffix, "w") as out:
            out.write(text)
    with open(base + ".argv", "w") as out:
        out.write("".join(arg + "\0" for arg in cpp))
EOF

export CIPETTE_TIDY_WORK="$work" CIPETTE_TIDY_CACHE="$cache" CIPETTE_TIDY_BUILD="$build"
export CIPETTE_TIDY_ROOT="$root" CIPETTE_TIDY_COMMON_KEY="$common_key"
# The clone's path as a sed pattern (its characters literal).
CIPETTE_TIDY_ROOT_PATTERN="$(printf '%s' "$root" | sed 's/[][\.*^$|]/\\&/g')"
export CIPETTE_TIDY_ROOT_PATTERN

log "${#files[@]} files, $(nproc) at a time (cache: $cache)"
seq 0 $((${#files[@]} - 1)) | xargs -P "$(nproc)" -n 1 "$self" --one ||
  die "a worker failed (see above)"

cached=0
failed=()
for index in $(seq 0 $((${#files[@]} - 1))); do
  case "$(cat "$work/$index.status")" in
    cached) cached=$((cached + 1)) ;;
    failed) failed+=("$work/$index.out") ;;
  esac
done

# A header's warning comes once from every file that includes it: each diagnostic (its line and
# the notes and source lines after it) is printed once, the clone's path cut off.
warnings=0
if ((${#failed[@]})); then
  # Lines before a file's first diagnostic (a crash's message) are printed too.
  awk -v root="$root/" -v count_file="$work/count" '
    FNR == 1 { show = 1 }
    /^[^ ].*:[0-9]+:[0-9]+: (warning|error): / { show = !seen[$0]++; if (show) count++ }
    show { print (index($0, root) == 1 ? substr($0, length(root) + 1) : $0) }
    END { print count + 0 > count_file }
  ' "${failed[@]}"
  warnings="$(cat "$work/count")"
fi

summary="${#files[@]} files checked, $cached from cache, $warnings warnings"
if ((${#failed[@]})); then
  log "$summary; ${#failed[@]} files failed"
  exit 1
fi
log "$summary"
