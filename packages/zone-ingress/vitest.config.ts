import { zonemeshVitestConfig } from '../../vitest.shared.ts';

export default zonemeshVitestConfig();
