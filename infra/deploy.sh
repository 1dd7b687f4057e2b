#!/usr/bin/env bash
# Deploy Kindly to the AWS account and region of the current AWS credentials, in one command:
#
#   infra/deploy.sh <local|dev|prod>      (or: make deploy STAGE=<stage>; infra/destroy.sh undoes it)
#
# 1. infra/template.yaml as stack kindly-<stage>-infra (tables, queues, topics, SES, alarms, bucket)
# 2. chalice package, with infra/sam-merge.json merged in, into build/<stage>/
# 3. aws cloudformation package + deploy of that SAM template as stack kindly-<stage>-app
# 4. kindly init: creates the link secret (a SecureString CloudFormation cannot create) and
#    registers the tenants' sender identities with SES
#
# Needs: the AWS CLI, credentials with a region (AWS_REGION / AWS_DEFAULT_REGION or a profile),
# the project's .venv (make test or make run creates it), and PyPI for chalice package.
# Optional: ALARM_TOPIC_ARN (an SNS topic the alarms notify).
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: infra/deploy.sh <stage>

  stage   one of: local, dev, prod (the stages in .chalice/config.json)

Deploys stack kindly-<stage>-infra (infra/template.yaml), then the Chalice app as stack
kindly-<stage>-app, then runs `kindly --stage <stage> init`.
Environment: ALARM_TOPIC_ARN (optional) is notified by the CloudWatch alarms.
USAGE
    exit 2
}

script=deploy.sh
# shellcheck source=infra/stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/stage.sh" "$@"
command -v aws >/dev/null || die "the AWS CLI (aws) is not installed"
[[ -x .venv/bin/chalice && -x .venv/bin/kindly ]] || die "no .venv with chalice and kindly: run 'make test' first"

# The app reads its queue name when it is imported, so chalice package must see the stage too.
export KINDLY_STAGE=$stage
infra_stack="kindly-$stage-infra"
app_stack="kindly-$stage-app"
build="build/$stage"

stack_output() {
    aws cloudformation describe-stacks --stack-name "$1" \
        --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue" --output text
}

echo "==> [1/4] $infra_stack from infra/template.yaml"
overrides=("Stage=$stage")
if [[ -n "${ALARM_TOPIC_ARN:-}" ]]; then
    overrides+=("AlarmTopicArn=$ALARM_TOPIC_ARN")
fi
aws cloudformation deploy \
    --stack-name "$infra_stack" \
    --template-file infra/template.yaml \
    --parameter-overrides "${overrides[@]}" \
    --no-fail-on-empty-changeset

# figures_stream's event source names the accounts table's stream, whose ARN only the infra stack knows.
KINDLY_ACCOUNTS_STREAM_ARN=$(stack_output "$infra_stack" AccountsStreamArn)
[[ -n "$KINDLY_ACCOUNTS_STREAM_ARN" && "$KINDLY_ACCOUNTS_STREAM_ARN" != "None" ]] \
    || die "stack $infra_stack has no AccountsStreamArn output"
export KINDLY_ACCOUNTS_STREAM_ARN

echo "==> [2/4] chalice package --stage $stage into $build"
rm -rf "$build"
mkdir -p build
# chalice packages chalicelib/ as it finds it, __pycache__ included: bytecode compiled here spares every cold start
# compiling Kindly's own modules from source (Lambda cannot write .pyc files; about 0.1 s for the queue worker).
# Checked against the source's hash, not its mtime, so a stale file is never used whatever the zip's timestamps.
.venv/bin/python -m compileall -q -f --invalidation-mode checked-hash chalicelib
.venv/bin/chalice package --stage "$stage" --merge-template infra/sam-merge.json "$build"

echo "==> [3/4] $app_stack from $build/sam.json"
bucket=$(stack_output "$infra_stack" ArtifactsBucketName)
[[ -n "$bucket" && "$bucket" != "None" ]] || die "stack $infra_stack has no ArtifactsBucketName output"
aws cloudformation package \
    --template-file "$build/sam.json" \
    --s3-bucket "$bucket" \
    --s3-prefix "kindly-$stage" \
    --output-template-file "$build/packaged.yaml"
aws cloudformation deploy \
    --stack-name "$app_stack" \
    --template-file "$build/packaged.yaml" \
    --capabilities CAPABILITY_IAM \
    --parameter-overrides "Stage=$stage" \
    --no-fail-on-empty-changeset

echo "==> [4/4] kindly init for stage $stage (link secret, SES identities)"
# --stage is an option of `kindly` itself, so it goes before the subcommand.
KINDLY_STAGE=$stage .venv/bin/kindly --stage "$stage" init

echo "==> done: API at $(stack_output "$app_stack" EndpointURL)"
