-- One database per node: nodes never share a database.
CREATE DATABASE kb101;
CREATE DATABASE kb165;
CREATE DATABASE kb161;
