import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuditContext, CurrentAudit } from '../audit/audit-context';
import { AdminAuth } from '../auth/admin-auth.decorator';
import { PageQueryDto } from '../common/admin/pagination.dto';
import { uuidParam } from '../common/admin/uuid-param';
import { UserCreateDto, UserPageDto, UserResponseDto, UserUpdateDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@AdminAuth()
@Controller('api/users')
export class UsersAdminController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({ description: 'Invalid fields, listed per field' })
  create(
    @Body() dto: UserCreateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<UserResponseDto> {
    return this.users.create(dto, audit);
  }

  @Get()
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: PageQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiNotFoundResponse()
  get(@Param('id', uuidParam) id: string): Promise<UserResponseDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiNotFoundResponse()
  update(
    @Param('id', uuidParam) id: string,
    @Body() dto: UserUpdateDto,
    @CurrentAudit() audit: AuditContext,
  ): Promise<UserResponseDto> {
    return this.users.update(id, dto, audit);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'User deleted and all their keys revoked' })
  @ApiNotFoundResponse()
  async remove(
    @Param('id', uuidParam) id: string,
    @CurrentAudit() audit: AuditContext,
  ): Promise<void> {
    await this.users.remove(id, audit);
  }
}
