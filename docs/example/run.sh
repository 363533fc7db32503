#!/usr/bin/env bash
# The README's worked example: from a sweep finding to a penalty notice, with the CLI only.
# Run it from anywhere, as `bash docs/example/run.sh`: with the clone's virtual environment
# activated or not (the README's `python3 -m venv .venv` is used when it is there), or with
# `casework` installed anywhere else on PATH.
set -euo pipefail
cd "$(dirname "$0")"
if [ -x ../../.venv/bin/casework ]; then
  PATH="$(cd ../../.venv/bin && pwd):$PATH"
fi
if ! command -v casework >/dev/null; then
  echo "run.sh: no casework command: install it first (README, Quick start)" >&2
  exit 1
fi
# marks.py uses Casework's calendar: the Python that has it is the one beside the command.
bin="$(dirname "$(command -v casework)")"
python=python3
for candidate in "$bin/python3" "$bin/python"; do
  if [ -x "$candidate" ]; then python="$candidate"; break; fi
done
exec 2>&1  # a refusal is part of the story: its line goes in the transcript where it happens
export COLUMNS=110
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export CASEWORK_DATABASE_URL="sqlite:///$scratch/example.sqlite"
run() { printf "$ casework"; printf " %q" "$@"; printf "\n"; casework "$@"; echo; }

"$python" marks.py
run init --school school.toml
run import pupils pupils.csv
run import contacts contacts.csv
run import marks marks.csv
run user add lead --name "Ben Example" --position "Attendance Lead" --role attendance_officer
run user add head --name "Ann Example" --position Headteacher --role senior_leader
run user add la --name "Lee Officer" --position "LA attendance officer" --role la_officer --la 850

# 23 January: the daily sweep finds the pattern and opens a case.
run sweep --as-of 2026-01-23 --findings
run case list --as lead
# School-led support: a call, then the offer.
run case evidence 1 contact_attempt --as lead --today 2026-01-23 -f channel=phone -f contact="Dana Testington" -f outcome=reached
run case fire 1 offer_support --as lead --today 2026-01-23 --note "Mondays missed since November; family asked to meet"
run case evidence 1 meeting --as lead --today 2026-01-26 -f purpose=school_support -f attendees="Dana Testington, Ben Example" -f outcome="Plan agreed"
# Trying the plan before the signed plan is on file is refused, with the reason.
run case fire 1 agree_plan --as lead --today 2026-01-26 || true
run case evidence 1 signed_plan --as lead --today 2026-01-26 -f plan=attendance_plan -f signed_on=2026-01-26 -f review_date=2026-03-06
run case fire 1 agree_plan --as lead --today 2026-01-26
# Still missing Mondays: formal support with the LA, approved by the head.
run case evidence 1 letter_sent --as lead --today 2026-02-09 -f letter=attendance_concern -f sent_on=2026-02-09
run case evidence 1 home_visit --as lead --today 2026-02-09 -f outcome=parent_seen
run case evidence 1 agencies --as lead --today 2026-02-09 -f agencies="none"
run case evidence 1 slt_approval --as head --today 2026-02-09 -f decision=approved -f step=refer_formal_support
run case fire 1 refer_formal_support --as lead --today 2026-02-09
# A notice to improve for the offence the sweep found; once its period is over, SLT judges
# the improvement not sufficient and a penalty notice is requested for that offence.
run case evidence 1 support_offered --as lead --today 2026-02-23 -f support=attendance_contract -f accepted=N
run case evidence 1 slt_approval --as head --today 2026-02-23 -f decision=approved -f step=issue_notice_to_improve
run case fire 1 issue_notice_to_improve --as lead --today 2026-02-23
run case fire 1 request_penalty_notice --as lead --today 2026-03-16 || true
run case evidence 1 improvement_judgement --as head --today 2026-03-24 -f improvement=not_sufficient -f reason="Mondays still missed"
run case evidence 1 slt_approval --as head --today 2026-03-24 -f decision=approved -f step=request_penalty_notice
run case fire 1 request_penalty_notice --as lead --today 2026-03-24
run case fire 2 approve --as la --today 2026-03-24
# The LA, not the school, decides that the parent named is liable; then the notice is issued.
run case evidence 2 liability_decision --as la --today 2026-03-25 -f liable=Y -f reason="Mother, with parental responsibility, living with the child"
run case fire 2 issue --as la --today 2026-03-25
# Posted first class on Wednesday 25 March: served on Friday 27th, when the 21 and 28 days start.
run case fire 2 record_service --as la --today 2026-03-25 -p service=post -p sent_on=2026-03-25
run case show 2 --as la --today 2026-03-25
