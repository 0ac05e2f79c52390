DROP TABLE agent_targets;
DROP TABLE organization_analytics;
DROP TABLE agent_analytics;
DROP TABLE credit_transactions;
