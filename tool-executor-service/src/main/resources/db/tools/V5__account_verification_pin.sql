-- The secret a caller proves they hold an account with (lookup's pin argument), so that authentication no longer rests
-- on what the model says. Only a salted PBKDF2 hash is stored (see VerificationPins); null: the account has no PIN and
-- cannot be verified by one.
ALTER TABLE accounts ADD COLUMN verification_pin_hash TEXT;
