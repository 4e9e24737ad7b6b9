-- Back-office sign-in throttling. Counters live in the database so they hold across every web
-- process. scope 'address': failed sign-ins from one client address (password spraying: many
-- user names from one place); scope 'user_address': failures for one account from one address,
-- which lock that account from that address only, so an attacker cannot keep the rightful user,
-- signing in from elsewhere, locked out (staff_users.locked_until is now a short user-wide back-off).
CREATE TABLE staff_signin_counters (
  scope text NOT NULL CHECK (scope IN ('address', 'user_address')),
  key text NOT NULL,
  failures integer NOT NULL,
  window_start timestamptz NOT NULL,
  locked_until timestamptz,
  PRIMARY KEY (scope, key)
);
