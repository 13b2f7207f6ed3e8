/**
 * Imported before react: React picks its build from NODE_ENV when first loaded, and the development
 * build costs several times more per frame (prop validation, dev-tools tracks). A dashboard user never
 * needs it; tests set NODE_ENV=test themselves and keep theirs.
 */
process.env.NODE_ENV ??= 'production';
