"""The DynamoDB repositories, one module per job; imported from here as before."""

from chalicelib.adapters.dynamodb.accounts import DynamoAccounts
from chalicelib.adapters.dynamodb.links import DynamoLinks
from chalicelib.adapters.dynamodb.payments import DynamoParkedPayments, DynamoPaymentLines
from chalicelib.adapters.dynamodb.policies import DynamoPolicies
from chalicelib.adapters.dynamodb.replies import DynamoDebtorReplies
from chalicelib.adapters.dynamodb.sweeps import DynamoSweepLedger
from chalicelib.adapters.dynamodb.tenants import DynamoTenants

__all__ = ["DynamoAccounts", "DynamoDebtorReplies", "DynamoLinks", "DynamoParkedPayments", "DynamoPaymentLines",
           "DynamoPolicies", "DynamoSweepLedger", "DynamoTenants"]
