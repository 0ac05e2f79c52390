DROP TABLE lead_messages;
