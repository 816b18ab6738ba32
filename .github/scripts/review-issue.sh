#!/bin/sh
# Keep exactly one open GitHub issue listing the runbooks overdue for review.
#
# Finds the open issue labelled `review-overdue` and rewrites its body, opens it when there is
# none, and closes it once nothing is overdue: re-runs never open a duplicate. Needs `opsbook`
# and `gh` on PATH, and GH_TOKEN with `issues: write`. Run from the handbook's root.
set -eu

label="review-overdue"
title="Runbooks overdue for review"
body="${TMPDIR:-/tmp}/opsbook-overdue-reviews.$$.md"
trap 'rm -f "$body"' EXIT

status=0
opsbook reviews --format markdown --output "$body" || status=$?
if [ "$status" -gt 1 ]; then
  echo "review-issue: opsbook reviews failed (exit $status)" >&2
  exit "$status"
fi

number=$(gh issue list --state open --label "$label" --json number --jq '.[0].number // empty')
if [ "$status" -eq 1 ]; then
  if [ -n "$number" ]; then
    gh issue edit "$number" --body-file "$body"
    echo "review-issue: updated issue #$number"
  else
    gh label create "$label" --color d93f0b \
      --description "runbooks past their review date" --force
    gh issue create --title "$title" --label "$label" --body-file "$body"
  fi
elif [ -n "$number" ]; then
  gh issue close "$number" --comment "Every runbook has been reviewed on time: closing."
  echo "review-issue: closed issue #$number"
else
  echo "review-issue: nothing overdue, no open issue"
fi
