DROP TABLE login_failures;
DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE access_tokens;
DROP TABLE authorization_codes;
DROP TABLE browser_sessions;
