package portal

// Spell exposes the reading aid to the package's tests.
var Spell = groups
