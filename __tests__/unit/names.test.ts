import { kebabId, secretValuesVariableName, snakeId } from '../../common/names';

describe('resource ids', () => {
  it('derive from the secret name only', () => {
    expect(kebabId('payments/database')).toBe('payments-database');
    expect(snakeId('App/Config.v2')).toBe('app_config_v2');
    expect(secretValuesVariableName('my-secret')).toBe('secret_values_my_secret');
  });
});
