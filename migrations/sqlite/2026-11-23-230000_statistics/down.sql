DROP TABLE conversation_statistics;
