DROP TABLE deals;
DROP TABLE messages;
DROP TABLE orders;
DROP TABLE customers;
