import { zonemeshVitestConfig } from '../../vitest.shared.ts';

export default zonemeshVitestConfig({ include: ['src/**/*.test.ts'] });
