import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { decodeMasterKey } from './master-key';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [AppConfig],
      useFactory: (config: AppConfig): SecretBox => {
        const key = decodeMasterKey(config.env.MASTER_KEY);
        if (!key) {
          // Unreachable after env validation; kept so a bad key can never build a SecretBox.
          throw new Error('MASTER_KEY is not a 32-byte key');
        }
        return new SecretBox(key);
      },
    },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
