// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace relayrace {

// The error half of a Result: a message that names the problem (for bad input, the field or JSON path).
struct Error
{
    QString message;
};

// A value or an error, at module boundaries instead of exceptions (std::expected arrives with C++23).
template<typename T>
class [[nodiscard]] Result final
{
public:
    Result(T value) : m_data(std::move(value)) {}           // NOLINT: implicit by design
    Result(Error error) : m_data(std::move(error)) {}       // NOLINT: implicit by design

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<T>(m_data); }
    T &value() & { return std::get<T>(m_data); }
    T &&value() && { return std::get<T>(std::move(m_data)); }
    const T *operator->() const { return &std::get<T>(m_data); }
    const T &operator*() const { return value(); }
    const QString &error() const { return std::get<Error>(m_data).message; }

private:
    std::variant<T, Error> m_data;
};

// Success or an error, for an operation whose success carries nothing: `return {};` or `return makeError(...)`.
template<>
class [[nodiscard]] Result<void> final
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error.message)), m_ok(false) {} // NOLINT: implicit by design

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const QString &error() const { return m_error; }

private:
    QString m_error;
    bool m_ok = true;
};

inline Error makeError(QString message)
{
    return Error{std::move(message)};
}

} // namespace relayrace
