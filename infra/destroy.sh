#!/usr/bin/env bash
# Take a stage of Kindly off AWS, the reverse of infra/deploy.sh:
#
#   infra/destroy.sh <local|dev|prod>
#
# 1. the Chalice app stack kindly-<stage>-app (functions, API, the queue's event source): first, since it
#    uses what the infra stack created
# 2. the infra stack kindly-<stage>-infra (queues, topics, SES configuration set, alarms, dashboard)
#
# The tables and the artifacts bucket are retained by the template (DeletionPolicy: Retain): they hold
# debtors' records and the audit trail, which must be kept three years. They go only with DELETE_DATA=yes,
# never for prod (delete prod's data by hand, once its retention period is over).
#
# Environment:
#   CONFIRM=yes      do not ask (scripts, CI); without it the script asks on a terminal and refuses otherwise
#   DELETE_DATA=yes  also delete the stage's tables, the artifacts bucket and its /kindly/<stage>/ parameters
#   DRY_RUN=1        print the AWS commands in order instead of running them (needs neither AWS nor the CLI)
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: infra/destroy.sh <stage>

  stage   one of: local, dev, prod (the stages in .chalice/config.json)

Deletes stack kindly-<stage>-app, then stack kindly-<stage>-infra. Tables and the artifacts bucket are
kept unless DELETE_DATA=yes (refused for prod). Asks first, unless CONFIRM=yes; DRY_RUN=1 only prints.
USAGE
    exit 2
}

script=destroy.sh
# shellcheck source=infra/stage.sh
source "$(dirname "${BASH_SOURCE[0]}")/stage.sh" "$@"
dry_run=${DRY_RUN:-}
delete_data=${DELETE_DATA:-no}
[[ "$delete_data" == yes || "$delete_data" == no ]] || die "DELETE_DATA must be 'yes' or unset, not '$delete_data'"
if [[ "$delete_data" == yes && "$stage" == prod ]]; then
    die "DELETE_DATA=yes is refused for prod: its tables hold debtors' records and an audit trail that must be
kept three years. Delete them by hand (aws dynamodb delete-table) once that period is over."
fi

app_stack="kindly-$stage-app"
infra_stack="kindly-$stage-infra"
# The tables the template creates (tests/aws/test_infra.py checks this list against it).
tables=(tenants api-keys accounts audit messages policies links processor-refs parked-payments payments inbound-sms console sweeps figures)

# In a dry run every AWS call is printed, not made; reads answer with a placeholder.
aws_do() {
    if [[ -n "$dry_run" ]]; then
        echo "+ aws $*"
    else
        aws "$@"
    fi
}

echo "==> destroy stage $stage:"
echo "    delete stack $app_stack (the Chalice app), then stack $infra_stack"
if [[ "$delete_data" == yes ]]; then
    echo "    and DELETE ITS DATA: tables ${tables[*]/#/kindly-$stage-} (debtors' records, the audit trail),"
    echo "    the artifacts bucket and the parameters under /kindly/$stage/ (the link secret, webhook secrets)"
else
    echo "    tables and the artifacts bucket are kept (debtors' records and the audit trail)"
fi

if [[ "${CONFIRM:-}" != yes && -z "$dry_run" ]]; then
    [[ -t 0 ]] || die "refusing to destroy stage $stage without confirmation: run it on a terminal, or set CONFIRM=yes"
    read -r -p "Type the stage name ($stage) to go on: " answer
    [[ "$answer" == "$stage" ]] || die "not confirmed ('$answer' is not '$stage'); nothing was deleted"
fi
if [[ -z "$dry_run" ]]; then
    command -v aws >/dev/null || die "the AWS CLI (aws) is not installed"
fi

bucket=""
if [[ "$delete_data" == yes ]]; then
    # Read before the infra stack goes: its outputs are the only record of the bucket's generated name.
    if [[ -n "$dry_run" ]]; then
        bucket="<ArtifactsBucketName of $infra_stack>"
        echo "+ aws cloudformation describe-stacks --stack-name $infra_stack (ArtifactsBucketName)"
    else
        bucket=$(aws cloudformation describe-stacks --stack-name "$infra_stack" \
            --query "Stacks[0].Outputs[?OutputKey=='ArtifactsBucketName'].OutputValue" --output text 2>/dev/null \
            || true)
    fi
fi

echo "==> [1/2] $app_stack"
aws_do cloudformation delete-stack --stack-name "$app_stack"
aws_do cloudformation wait stack-delete-complete --stack-name "$app_stack"

echo "==> [2/2] $infra_stack"
aws_do cloudformation delete-stack --stack-name "$infra_stack"
aws_do cloudformation wait stack-delete-complete --stack-name "$infra_stack"

if [[ "$delete_data" != yes ]]; then
    echo "==> done. Kept: tables ${tables[*]/#/kindly-$stage-} and the artifacts bucket."
    echo "    To delete them too (not prod): make destroy STAGE=$stage DELETE_DATA=yes"
    exit 0
fi

echo "==> data of $stage"
for table in "${tables[@]}"; do
    name="kindly-$stage-$table"
    if [[ -z "$dry_run" ]] && ! aws dynamodb describe-table --table-name "$name" >/dev/null 2>&1; then
        echo "    $name: not there"
        continue
    fi
    if [[ "$table" == audit ]]; then  # deletion protection first, or DeleteTable is refused
        aws_do dynamodb update-table --table-name "$name" --no-deletion-protection-enabled
    fi
    aws_do dynamodb delete-table --table-name "$name"
done
if [[ -n "$bucket" && "$bucket" != None ]]; then
    aws_do s3 rb "s3://$bucket" --force
fi
if [[ -n "$dry_run" ]]; then
    echo "+ aws ssm get-parameters-by-path --path /kindly/$stage/ --recursive (then delete-parameters)"
else
    names=$(aws ssm get-parameters-by-path --path "/kindly/$stage/" --recursive \
        --query "Parameters[].Name" --output text)
    for name in $names; do
        aws ssm delete-parameter --name "$name"
    done
fi
echo "==> done: stage $stage and its data are deleted"
